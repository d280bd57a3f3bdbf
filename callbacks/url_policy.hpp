#pragma once
// Which callback URLs a worker may POST to. Only plain http (core's client has no TLS), and no
// loopback, private or link-local address unless the operator allows it in
// `callback_allow_hosts`: an async caller must not make the platform reach its own internals
// (SSRF). Immutable after construction; share it across threads freely.
#include <string>
#include <string_view>
#include <vector>

#include "core/asio.hpp"
#include "core/config/env.hpp"
#include "core/http/client.hpp"
#include "core/result.hpp"

namespace faas::callbacks {

inline constexpr std::string_view kAllowHostsEnv = "callback_allow_hosts";

// An address range: "10.0.0.0/8", "fd00::/8"; a bare address is a single host.
struct Cidr {
    asio::ip::address network;
    unsigned prefix = 0;

    bool contains(const asio::ip::address& address) const;
    std::string str() const;
};

Result<Cidr> parse_cidr(std::string_view text);

// An IPv4-mapped IPv6 address (::ffff:10.0.0.1) as the IPv4 address it stands for; others as
// they are. Range checks run on this form, so a mapped address cannot slip past an IPv4 range.
asio::ip::address normalized(const asio::ip::address& address);

// The range of `address` that callbacks are denied by default (loopback, private, link-local,
// "this host" 0.0.0.0/8 and ::, unique-local fc00::/7), or nullptr when it is public.
const Cidr* denied_range(const asio::ip::address& address);

class UrlPolicy {
public:
    // Denies every restricted range; allows nothing extra.
    UrlPolicy() = default;

    // Comma-separated host names (exact, case-insensitive), addresses and CIDR ranges; empty
    // entries are skipped. "0.0.0.0/0,::/0" allows every address. A bad entry is an error
    // naming it.
    static Result<UrlPolicy> parse_allow_list(std::string_view list);
    // From `callback_allow_hosts`; a bad value throws config::ConfigError naming the variable.
    static UrlPolicy from_env(const config::Env& env);

    // Checks a callback URL before it is queued or called: http only, a host, and when the host
    // is an address literal or "localhost", the address rule below. Host names are checked again
    // after resolution with check_address(). Errors are errc::bad_request.
    Result<http::Url> check_url(std::string_view url) const;

    // Checks one address `host` resolved to: fine when public, when `host` is on the allow
    // list, or when the address lies in an allowed range. The caller resolves, checks every
    // address it may connect to, and connects only to an address that passed.
    Status check_address(std::string_view host, const asio::ip::address& address) const;

private:
    bool host_allowed(std::string_view host) const;

    std::vector<std::string> hosts_;  // lower case, no trailing dot
    std::vector<Cidr> ranges_;
};

}  // namespace faas::callbacks
