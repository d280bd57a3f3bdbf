#include "provider/deployment.hpp"

#include "core/text/text.hpp"
#include "provider/quantity.hpp"

namespace faas::provider {

using openfaas::FunctionDeployment;

Status validate_deployment(FunctionDeployment& d, const std::string& default_namespace) {
    if (d.service.empty()) {
        return make_error(errc::bad_request, "service is required");
    }
    if (!openfaas::valid_dns_label(d.service)) {
        return make_error(errc::bad_request,
                          "invalid function name \"" + d.service +
                              "\": must be a DNS-1123 label (lower-case letters, digits and '-', "
                              "starting and ending with a letter or digit, at most 63 characters)");
    }
    if (d.namespace_.empty()) {
        d.namespace_ = default_namespace;
    }
    if (d.image.empty()) {
        return make_error(errc::bad_request, "image is required");
    }
    if (auto lim = parse_limits(d.limits); !lim) {
        return lim.error();
    }
    if (auto req = parse_limits(d.requests); !req) {
        return make_error(errc::bad_request, "requests: " + req.error().what());
    }
    return {};
}

Status validate_secret(const openfaas::Secret& s) {
    if (s.name.empty()) {
        return make_error(errc::bad_request, "secret name is required");
    }
    if (!openfaas::valid_dns_label(s.name)) {
        return make_error(errc::bad_request,
                          "invalid secret name \"" + s.name + "\": must be a DNS-1123 label");
    }
    return {};
}

std::uint64_t scale_min(const FunctionDeployment& d) {
    if (d.labels) {
        auto it = d.labels->find("com.openfaas.scale.min");
        if (it != d.labels->end()) {
            if (const auto v = text::parse_uint(it->second); v && *v > 0) {
                return *v;
            }
        }
    }
    return 1;
}

bool has_scale_min(const FunctionDeployment& d) {
    return d.labels && d.labels->contains("com.openfaas.scale.min") && scale_min(d) >= 1 &&
           d.labels->at("com.openfaas.scale.min") != "0";
}

}  // namespace faas::provider
