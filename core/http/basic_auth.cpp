#include "core/http/basic_auth.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/config/env.hpp"
#include "core/crypto/hmac.hpp"
#include "core/text/text.hpp"

namespace faas::http {

namespace {

std::string read_secret(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw config::ConfigError("basic_auth=true: cannot read " + path.string() +
                                  " (set secret_mount_path to the directory holding "
                                  "basic-auth-user and basic-auth-password)");
    }
    std::ostringstream s;
    s << in.rdbuf();
    std::string v(text::trim(s.str()));
    if (v.empty()) {
        throw config::ConfigError("basic_auth=true: " + path.string() + " is empty");
    }
    return v;
}

}  // namespace

Credentials load_credentials(const std::string& dir) {
    const std::filesystem::path base(dir);
    Credentials c;
    c.user = read_secret(base / "basic-auth-user");
    c.password = read_secret(base / "basic-auth-password");
    return c;
}

bool authorized(const Credentials& c, std::optional<std::string_view> authorization) {
    if (!authorization) {
        return false;
    }
    const std::string_view v = text::trim(*authorization);
    constexpr std::string_view kScheme = "Basic ";
    if (v.size() < kScheme.size() || !text::iequals(v.substr(0, kScheme.size()), kScheme)) {
        return false;
    }
    const auto decoded = text::base64_decode(text::trim(v.substr(kScheme.size())));
    if (!decoded) {
        return false;
    }
    const auto colon = decoded->find(':');
    if (colon == std::string::npos) {
        return false;
    }
    const std::string_view user = std::string_view(*decoded).substr(0, colon);
    const std::string_view password = std::string_view(*decoded).substr(colon + 1);
    // Both compared, whatever the first gives: no early return that times the user name.
    const bool user_ok = crypto::constant_time_equal(user, c.user);
    const bool password_ok = crypto::constant_time_equal(password, c.password);
    return user_ok && password_ok;
}

std::string basic_header(const Credentials& c) {
    return "Basic " + text::base64_encode(c.user + ":" + c.password);
}

Response unauthorized_response() {
    Response r = text_error(401, "invalid credentials");
    r.headers.set("WWW-Authenticate", "Basic realm=\"Restricted\"");
    return r;
}

}  // namespace faas::http
