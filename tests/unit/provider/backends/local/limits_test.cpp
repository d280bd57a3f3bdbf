// Limits from a FunctionDeployment (provider/quantity.hpp) and how the local back end applies
// them (provider/backends/local/limits.hpp).
#include <unistd.h>

#include <filesystem>

#include <doctest/doctest.h>

#include "provider/backends/local/limits.hpp"
#include "provider/quantity.hpp"
#include "tests/support/printers.hpp"
#include "tests/support/temp_dir.hpp"

using faas::provider::local::LimitMode;
using faas::provider::local::Limiter;
using faas::provider::parse_limits;

TEST_SUITE("provider limits") {

TEST_CASE("limits: memory and cpu quantities become bytes and millicores") {
    faas::openfaas::FunctionResources r;
    r.memory = "128Mi";
    r.cpu = "250m";
    auto l = parse_limits(r);
    REQUIRE(l.ok());
    CHECK(l->memory_bytes == std::optional<std::uint64_t>(128U << 20U));
    CHECK(l->cpu_millis == std::optional<std::uint64_t>(250U));
    auto none = parse_limits(std::nullopt);
    REQUIRE(none.ok());
    CHECK_FALSE(none->any());
}

TEST_CASE("limits: a bad quantity is a bad request naming the field and value") {
    faas::openfaas::FunctionResources r;
    r.memory = "lots";
    auto l = parse_limits(r);
    REQUIRE_FALSE(l.ok());
    CHECK(l.error().code == faas::errc::bad_request);
    CHECK(l.error().message.find("memory") != std::string::npos);
    CHECK(l.error().message.find("lots") != std::string::npos);
    faas::openfaas::FunctionResources c;
    c.cpu = "fast";
    auto lc = parse_limits(c);
    REQUIRE_FALSE(lc.ok());
    CHECK(lc.error().message.find("cpu") != std::string::npos);
}

TEST_CASE("limits: without a cgroup hierarchy the limiter falls back to RLIMIT_AS") {
    faas::test::TempDir dir;  // an empty directory: no cgroup files
    auto l = Limiter::detect(dir.str());
    CHECK(l.mode() == LimitMode::Rlimit);
    CHECK(l.describe().find("rlimit") != std::string::npos);
    faas::provider::ReplicaLimits lim;
    lim.memory_bytes = 64U << 20U;
    lim.cpu_millis = 100;
    auto launch = l.prepare("fn-abcde", lim);
    REQUIRE(launch.ok());
    CHECK(launch->cgroup_procs.empty());
    CHECK(launch->rlimit_as == std::optional<std::uint64_t>(64U << 20U));
}

TEST_CASE("limits: a directory that only looks like cgroup v1 is not taken for one") {
    faas::test::TempDir dir;
    dir.write("memory/memory.limit_in_bytes", "");
    dir.write("cpu/cpu.cfs_quota_us", "");
    // A kernel fills every new cgroup with control files; a plain directory does not, and the
    // probe cgroup shows it.
    auto l = Limiter::detect(dir.str());
    CHECK(l.mode() == LimitMode::Rlimit);
    CHECK_FALSE(
        std::filesystem::exists(dir.file("memory/faas/probe-" + std::to_string(::getpid()))));
}

}  // TEST_SUITE
