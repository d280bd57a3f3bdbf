#include "tests/integration/manifests/query.hpp"

#include <stdexcept>

namespace faas::test::manifests {

const Object* find(const std::vector<Object>& objects,
                   const std::string& kind,
                   const std::string& ns,
                   const std::string& name) {
    for (const Object& o : objects) {
        if (o.kind == kind && o.ns == ns && o.name == name) {
            return &o;
        }
    }
    return nullptr;
}

std::vector<PodTemplate> pod_templates(const std::vector<Object>& objects) {
    std::vector<PodTemplate> out;
    for (const Object& o : objects) {
        if (o.kind != "Deployment" && o.kind != "StatefulSet") {
            continue;
        }
        const YAML::Node tmpl = o.node["spec"]["template"];
        out.push_back(PodTemplate{&o, tmpl["metadata"]["labels"], tmpl["spec"]});
    }
    return out;
}

PodTemplate pod_template(const std::vector<Object>& objects,
                         const std::string& kind,
                         const std::string& name) {
    for (const PodTemplate& t : pod_templates(objects)) {
        if (t.owner->kind == kind && t.owner->name == name) {
            return t;
        }
    }
    throw std::runtime_error("no " + kind + " " + name + " in the rendered manifests");
}

YAML::Node container(const YAML::Node& pod_spec, const std::string& name) {
    for (const YAML::Node& c : pod_spec["containers"]) {
        if (scalar(c, {"name"}) == name) {
            return c;
        }
    }
    return YAML::Node(YAML::NodeType::Undefined);
}

namespace {

// Recursive rather than a loop over one Node variable: assigning a yaml-cpp Node writes through
// to the node it refers to, and a non-const operator[] inserts missing keys.
std::string scalar_at(const YAML::Node& node, const char* const* key, const char* const* end) {
    if (!node) {
        return "";
    }
    if (key == end) {
        return node.IsScalar() ? node.Scalar() : "";
    }
    if (!node.IsMap()) {
        return "";
    }
    return scalar_at(node[*key], key + 1, end);
}

}  // namespace

std::string scalar(const YAML::Node& node, std::initializer_list<const char*> path) {
    return scalar_at(node, path.begin(), path.end());
}

std::string env_value(const YAML::Node& container, const std::string& name) {
    for (const YAML::Node& e : container["env"]) {
        if (scalar(e, {"name"}) == name) {
            return scalar(e, {"value"});
        }
    }
    return "";
}

std::vector<std::string> strings(const YAML::Node& sequence) {
    std::vector<std::string> out;
    for (const YAML::Node& item : sequence) {
        out.push_back(item.Scalar());
    }
    return out;
}

}  // namespace faas::test::manifests
