#pragma once
// Lookups over the rendered manifests that several tests share: an object by kind and name,
// the pod templates of the workloads and their containers, a scalar by path.
#include <initializer_list>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "tests/integration/manifests/rendered.hpp"

namespace faas::test::manifests {

// The object, or nullptr.
const Object* find(const std::vector<Object>& objects,
                   const std::string& kind,
                   const std::string& ns,
                   const std::string& name);

// A workload's pod template (Deployment, StatefulSet).
struct PodTemplate {
    const Object* owner = nullptr;
    YAML::Node labels;  // template.metadata.labels
    YAML::Node spec;    // template.spec
};
std::vector<PodTemplate> pod_templates(const std::vector<Object>& objects);

// The pod template of one workload; throws when there is none.
PodTemplate pod_template(const std::vector<Object>& objects,
                         const std::string& kind,
                         const std::string& name);

// The container of that name in a pod spec (an undefined node when absent).
YAML::Node container(const YAML::Node& pod_spec, const std::string& name);

// The scalar at a path of map keys ("" when any step is missing or not a map).
std::string scalar(const YAML::Node& node, std::initializer_list<const char*> path);

// The value of an env entry given as a literal value ("" when absent or from elsewhere).
std::string env_value(const YAML::Node& container, const std::string& name);

// The items of a sequence of scalars, in order.
std::vector<std::string> strings(const YAML::Node& sequence);

}  // namespace faas::test::manifests
