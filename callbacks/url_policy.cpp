#include "callbacks/url_policy.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

#include "core/text/text.hpp"

namespace faas::callbacks {

namespace {

Error bad(std::string message) {
    return make_error(errc::bad_request, std::move(message));
}

std::string lower_host(std::string_view host) {
    std::string out(host);
    if (!out.empty() && out.back() == '.') {
        out.pop_back();
    }
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::optional<asio::ip::address> parse_address(std::string_view text) {
    boost::system::error_code ec;
    const auto a = asio::ip::make_address(std::string(text), ec);
    if (ec) {
        return std::nullopt;
    }
    return normalized(a);
}

bool valid_host_name(std::string_view host) {
    return !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '.' || c == '_';  // '_': Docker and Compose service names
    });
}

Cidr must_cidr(std::string_view text) {
    auto c = parse_cidr(text);
    FAAS_ASSERT(c.ok());
    return c.value();
}

// The ranges callbacks are denied by default. 0.0.0.0/8 and :: are here because connecting to
// them reaches the local host on Linux.
const std::array<Cidr, 10>& restricted_ranges() {
    static const std::array<Cidr, 10> ranges{
        must_cidr("0.0.0.0/8"),      must_cidr("10.0.0.0/8"),    must_cidr("127.0.0.0/8"),
        must_cidr("169.254.0.0/16"), must_cidr("172.16.0.0/12"), must_cidr("192.168.0.0/16"),
        must_cidr("::/128"),         must_cidr("::1/128"),       must_cidr("fc00::/7"),
        must_cidr("fe80::/10")};
    return ranges;
}

template <std::size_t N>
bool prefix_equal(const std::array<unsigned char, N>& a,
                  const std::array<unsigned char, N>& b,
                  unsigned prefix) {
    const unsigned whole = prefix / 8;
    for (unsigned i = 0; i < whole; ++i) {
        if (a[i] != b[i]) {
            return false;
        }
    }
    const unsigned rest = prefix % 8;
    if (rest == 0) {
        return true;
    }
    const auto mask = static_cast<unsigned char>(0xFFU << (8 - rest));
    return (a[whole] & mask) == (b[whole] & mask);
}

}  // namespace

asio::ip::address normalized(const asio::ip::address& address) {
    if (address.is_v6() && address.to_v6().is_v4_mapped()) {
        return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
    }
    return address;
}

bool Cidr::contains(const asio::ip::address& address) const {
    const asio::ip::address a = normalized(address);
    if (a.is_v4() != network.is_v4()) {
        return false;
    }
    if (a.is_v4()) {
        return prefix_equal(a.to_v4().to_bytes(), network.to_v4().to_bytes(), prefix);
    }
    return prefix_equal(a.to_v6().to_bytes(), network.to_v6().to_bytes(), prefix);
}

std::string Cidr::str() const {
    return network.to_string() + "/" + std::to_string(prefix);
}

Result<Cidr> parse_cidr(std::string_view text) {
    text = text::trim(text);
    const auto slash = text.find('/');
    const auto address = parse_address(text.substr(0, slash));
    if (!address) {
        return bad("\"" + std::string(text) + "\" is not an IP address or CIDR range");
    }
    Cidr c;
    c.network = *address;
    // Written as IPv6 (even when it maps to IPv4): its prefix counts IPv6 bits.
    const bool written_v6 = text.substr(0, slash).find(':') != std::string_view::npos;
    const unsigned max = written_v6 ? 128 : 32;
    c.prefix = address->is_v4() ? 32 : 128;
    if (slash != std::string_view::npos) {
        const std::string_view bits = text.substr(slash + 1);
        unsigned p = 0;
        const auto [end, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), p);
        if (bits.empty() || ec != std::errc() || end != bits.data() + bits.size() || p > max) {
            return bad("\"" + std::string(text) + "\" has a bad prefix length (0.." +
                       std::to_string(max) + ")");
        }
        // A mapped IPv6 range (::ffff:10.0.0.0/104) became IPv4: its prefix shrinks with it.
        if (address->is_v4() && written_v6) {
            if (p < 96) {
                return bad("\"" + std::string(text) + "\" mixes IPv4-mapped and other addresses");
            }
            p -= 96;
        }
        c.prefix = p;
    }
    return c;
}

const Cidr* denied_range(const asio::ip::address& address) {
    for (const Cidr& c : restricted_ranges()) {
        if (c.contains(address)) {
            return &c;
        }
    }
    return nullptr;
}

Result<UrlPolicy> UrlPolicy::parse_allow_list(std::string_view list) {
    UrlPolicy p;
    for (const auto& entry : text::split_list(list, ',')) {
        if (entry.find('/') != std::string::npos || parse_address(entry)) {
            auto c = parse_cidr(entry);
            if (!c) {
                return c.error();
            }
            p.ranges_.push_back(c.value());
        } else if (valid_host_name(entry)) {
            p.hosts_.push_back(lower_host(entry));
        } else {
            return bad("\"" + entry + "\" is not a host name, IP address or CIDR range");
        }
    }
    return p;
}

UrlPolicy UrlPolicy::from_env(const config::Env& env) {
    const auto value = env.get(kAllowHostsEnv);
    if (!value) {
        return {};
    }
    auto p = parse_allow_list(*value);
    if (!p) {
        throw config::ConfigError(std::string(kAllowHostsEnv) + ": " + p.error().what() +
                                  " (expected comma-separated host names, addresses and CIDR "
                                  "ranges)");
    }
    return std::move(p).value();
}

bool UrlPolicy::host_allowed(std::string_view host) const {
    const std::string h = lower_host(host);
    return std::find(hosts_.begin(), hosts_.end(), h) != hosts_.end();
}

Result<http::Url> UrlPolicy::check_url(std::string_view url) const {
    const std::string_view u = text::trim(url);
    const auto colon = u.find("://");
    if (colon == std::string_view::npos) {
        return bad("callback URL must be an absolute http:// URL");
    }
    const std::string scheme = lower_host(u.substr(0, colon));
    if (scheme == "https") {
        return bad(
            "callback URL: https is not supported, the callback client speaks plain "
            "http only (no TLS); use http:// or a relay");
    }
    if (scheme != "http") {
        return bad("callback URL: scheme \"" + scheme + "\" is not supported (http only)");
    }
    auto parsed = http::parse_url("http://" + std::string(u.substr(colon + 3)));
    if (!parsed) {
        return bad("callback URL: " + parsed.error().what());
    }
    const std::string& host = parsed->endpoint.host;
    if (const auto address = parse_address(host)) {
        if (auto st = check_address(host, *address); !st) {
            return st.error();
        }
    } else if (const std::string h = lower_host(host);
               (h == "localhost" || h.ends_with(".localhost")) && !host_allowed(host)) {
        return bad("callback host " + host + " is the local host; allow it with " +
                   std::string(kAllowHostsEnv));
    } else if (!valid_host_name(host)) {
        return bad("callback URL: \"" + host + "\" is not a host name or IP address");
    }
    return parsed;
}

Status UrlPolicy::check_address(std::string_view host, const asio::ip::address& address) const {
    const Cidr* denied = denied_range(address);
    if (denied == nullptr || host_allowed(host)) {
        return {};
    }
    for (const Cidr& c : ranges_) {
        if (c.contains(address)) {
            return {};
        }
    }
    std::string message = "callback host " + std::string(host);
    const std::string addr = normalized(address).to_string();
    if (addr != host) {
        message += " (" + addr + ")";
    }
    message += " is in the restricted range " + denied->str() + "; allow it with " +
               std::string(kAllowHostsEnv);
    return bad(std::move(message));
}

}  // namespace faas::callbacks
