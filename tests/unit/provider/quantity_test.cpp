// Kubernetes quantities as limits carry them (provider/quantity.hpp).
#include <doctest/doctest.h>

#include "provider/quantity.hpp"
#include "tests/support/printers.hpp"

using faas::provider::parse_cpu_quantity;
using faas::provider::parse_memory_quantity;

TEST_SUITE("provider quantity") {

TEST_CASE("quantity: memory accepts binary and decimal suffixes and plain bytes") {
    CHECK(parse_memory_quantity("5Mi") == std::optional<std::uint64_t>(5U << 20U));
    CHECK(parse_memory_quantity("128Mi") == std::optional<std::uint64_t>(128U << 20U));
    CHECK(parse_memory_quantity("1Gi") == std::optional<std::uint64_t>(1U << 30U));
    CHECK(parse_memory_quantity("64Ki") == std::optional<std::uint64_t>(64U << 10U));
    CHECK(parse_memory_quantity("1G") == std::optional<std::uint64_t>(1000000000U));
    CHECK(parse_memory_quantity("500k") == std::optional<std::uint64_t>(500000U));
    CHECK(parse_memory_quantity("134217728") == std::optional<std::uint64_t>(134217728U));
    CHECK(parse_memory_quantity("1.5Gi") == std::optional<std::uint64_t>(3U << 29U));
    CHECK(parse_memory_quantity("1e6") == std::optional<std::uint64_t>(1000000U));
}

TEST_CASE("quantity: cpu is millicores from 100m, 0.5 and whole cores") {
    CHECK(parse_cpu_quantity("100m") == std::optional<std::uint64_t>(100U));
    CHECK(parse_cpu_quantity("0.5") == std::optional<std::uint64_t>(500U));
    CHECK(parse_cpu_quantity("2") == std::optional<std::uint64_t>(2000U));
    CHECK(parse_cpu_quantity("1500m") == std::optional<std::uint64_t>(1500U));
}

TEST_CASE("quantity: anything else is rejected") {
    for (const char* bad : {"", "lots", "-5Mi", "5 Mi", "5MB", "Mi", "1.2.3", "5mi", "0x10"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_memory_quantity(bad).has_value());
        CHECK_FALSE(parse_cpu_quantity(bad).has_value());
    }
}

}  // TEST_SUITE
