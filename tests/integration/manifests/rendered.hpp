#pragma once
// The Kubernetes manifests of compose/kubernetes as a user applies them: rendered by
// `kubectl kustomize`, split into objects, each also as the JSON text a client sends to the API
// server (for creating them on the stand-in API server with strict field validation). Plain
// functions; each test renders its own copy.
#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace faas::test::manifests {

// One rendered object. `node` is the object as yaml-cpp parsed it.
struct Object {
    std::string api_version;
    std::string kind;
    std::string name;
    std::string ns;  // empty for a cluster-scoped object
    YAML::Node node;

    // "Kind namespace/name" (or "Kind name"), for messages.
    std::string id() const;
    // The object as JSON: YAML's plain scalars typed as the YAML 1.2 core schema types them
    // (true/false, null, integers, floats), quoted scalars as strings.
    std::string json() const;
    // Where a client POSTs it: /api/v1/namespaces/openfaas/services, /apis/apps/v1/... .
    std::string collection_path() const;
};

// Runs `kubectl kustomize <dir>` and returns the YAML stream. Throws std::runtime_error when
// kubectl is not on PATH (with how to install it) or when it fails (with its stderr).
std::string kustomize(const std::filesystem::path& dir);

// Splits a YAML stream into objects; throws std::runtime_error on a document that is not a
// Kubernetes object (no apiVersion, kind or metadata.name).
std::vector<Object> parse_objects(std::string_view yaml);

// kubectl kustomize of compose/kubernetes in this source tree, parsed, in kubectl's order
// (namespaces first, workloads last: the order to create them in).
std::vector<Object> render();

// Any YAML node as JSON text (see Object::json).
std::string to_json(const YAML::Node& node);

// The images scripts/images.sh builds, as faas/<name>: read from its `all_images=(...)` list,
// so the manifests and the script cannot name different images.
std::set<std::string> built_images(const std::filesystem::path& images_sh);

// The source tree (FAAS_SOURCE_DIR, compiled in).
std::filesystem::path source_dir();

}  // namespace faas::test::manifests
