#include "tests/integration/manifests/rendered.hpp"

#include <map>
#include <regex>
#include <stdexcept>

#include "core/json/json.hpp"
#include "core/text/text.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace faas::test::manifests {

namespace {

// Plain scalars that the YAML 1.2 core schema reads as something other than a string; true
// when written.
bool write_typed(json::Writer& w, const std::string& text) {
    static const std::regex integer_pattern("[-+]?[0-9]+");
    static const std::regex float_pattern(
        R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
    if (text == "true" || text == "false") {
        w.value(text == "true");
    } else if (text == "null" || text == "~" || text.empty()) {
        w.null();
    } else if (std::regex_match(text, integer_pattern)) {
        w.value(static_cast<std::int64_t>(std::stoll(text)));
    } else if (std::regex_match(text, float_pattern)) {
        w.value(std::stod(text));
    } else {
        return false;
    }
    return true;
}

void write_scalar(json::Writer& w, const YAML::Node& node) {
    // "?" is a plain (unquoted) scalar; quoted ones are tagged "!" and stay strings.
    if (node.Tag() == "?" && write_typed(w, node.Scalar())) {
        return;
    }
    w.value(node.Scalar());
}

void write_node(json::Writer& w, const YAML::Node& node) {
    if (!node) {  // a missing key: yaml-cpp's Type() would throw
        w.null();
        return;
    }
    switch (node.Type()) {
        case YAML::NodeType::Map:
            w.begin_object();
            for (const auto& entry : node) {
                w.key(entry.first.Scalar());
                write_node(w, entry.second);
            }
            w.end_object();
            break;
        case YAML::NodeType::Sequence:
            w.begin_array();
            for (const auto& item : node) {
                write_node(w, item);
            }
            w.end_array();
            break;
        case YAML::NodeType::Scalar:
            write_scalar(w, node);
            break;
        case YAML::NodeType::Null:
        case YAML::NodeType::Undefined:
            w.null();
            break;
    }
}

// The REST resource of each kind the manifests use.
std::string plural(const std::string& kind) {
    static const std::map<std::string, std::string> plurals = {
        {"Namespace", "namespaces"},
        {"ServiceAccount", "serviceaccounts"},
        {"Role", "roles"},
        {"RoleBinding", "rolebindings"},
        {"ClusterRole", "clusterroles"},
        {"ClusterRoleBinding", "clusterrolebindings"},
        {"ConfigMap", "configmaps"},
        {"Secret", "secrets"},
        {"Service", "services"},
        {"Deployment", "deployments"},
        {"StatefulSet", "statefulsets"},
    };
    const auto it = plurals.find(kind);
    if (it == plurals.end()) {
        throw std::runtime_error("no REST resource known for kind " + kind);
    }
    return it->second;
}

std::string text_at(const YAML::Node& node, const char* key) {
    const YAML::Node v = node[key];
    return v && v.IsScalar() ? v.Scalar() : "";
}

Object to_object(const YAML::Node& doc, std::size_t index) {
    Object o;
    o.node = doc;
    if (doc.IsMap()) {
        o.api_version = text_at(doc, "apiVersion");
        o.kind = text_at(doc, "kind");
        const YAML::Node meta = doc["metadata"];
        if (meta && meta.IsMap()) {
            o.name = text_at(meta, "name");
            o.ns = text_at(meta, "namespace");
        }
    }
    if (o.api_version.empty() || o.kind.empty() || o.name.empty()) {
        throw std::runtime_error("rendered document " + std::to_string(index) +
                                 " is not a Kubernetes object (apiVersion, kind, metadata.name)");
    }
    return o;
}

}  // namespace

std::string Object::id() const {
    return kind + " " + (ns.empty() ? name : ns + "/" + name);
}

std::string Object::json() const {
    return to_json(node);
}

std::string Object::collection_path() const {
    const std::string base =
        api_version.find('/') == std::string::npos ? "/api/" + api_version : "/apis/" + api_version;
    const std::string scope = ns.empty() ? "" : "/namespaces/" + ns;
    return base + scope + "/" + plural(kind);
}

std::string to_json(const YAML::Node& node) {
    json::Writer w;
    write_node(w, node);
    return std::move(w).str();
}

std::string kustomize(const std::filesystem::path& dir) {
    // kubectl keeps a cache under $HOME: give it a home of its own.
    const TempDir home;
    EnvMap env = base_env();
    env["HOME"] = home.str();
    RunResult r;
    try {
        r = run({"kubectl", "kustomize", dir.string()}, env);
    } catch (const std::runtime_error& e) {
        throw std::runtime_error(std::string("kubectl kustomize: ") + e.what() +
                                 ". kubectl must be on PATH: apt-get install kubernetes-client "
                                 "(Debian), or kubectl from the Kubernetes releases");
    }
    if (!r.exit.exited_with(0)) {
        throw std::runtime_error("kubectl kustomize " + dir.string() + " failed (exit " +
                                 std::to_string(r.exit.code) + "): " + r.err);
    }
    return r.out;
}

std::vector<Object> parse_objects(std::string_view yaml) {
    std::vector<Object> out;
    const std::vector<YAML::Node> docs = YAML::LoadAll(std::string(yaml));
    for (std::size_t i = 0; i < docs.size(); ++i) {
        if (docs[i].IsNull()) {
            continue;  // an empty document between two separators
        }
        out.push_back(to_object(docs[i], i));
    }
    return out;
}

std::vector<Object> render() {
    return parse_objects(kustomize(source_dir() / "compose" / "kubernetes"));
}

std::set<std::string> built_images(const std::filesystem::path& images_sh) {
    const std::string script = read_file(images_sh);
    const std::regex list(R"((^|\n)all_images=\(([^)]*)\))");
    std::smatch m;
    if (!std::regex_search(script, m, list)) {
        throw std::runtime_error(images_sh.string() + ": no all_images=(...) list");
    }
    std::set<std::string> names;
    for (const std::string& name : text::split_spaces(m[2].str())) {
        names.insert("faas/" + name);
    }
    return names;
}

std::filesystem::path source_dir() {
    return FAAS_SOURCE_DIR;
}

}  // namespace faas::test::manifests
