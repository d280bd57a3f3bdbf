// gateway/context: scale-from-zero requests are coalesced per endpoint-list generation.
#include "gateway/context.hpp"

#include <doctest/doctest.h>

using faas::gateway::Config;
using faas::gateway::Metrics;
using faas::gateway::Shared;

TEST_SUITE_BEGIN("gateway.context");

TEST_CASE("scale claim: one caller per generation asks, a newer zero asks again") {
    const Config config;
    Metrics metrics;
    Shared shared(config, faas::log::make("gateway-test"), metrics);
    CHECK(shared.claim_scale("f.ns", 7));
    // Concurrent callers that see the same (or an older) list wait for the first one.
    CHECK_FALSE(shared.claim_scale("f.ns", 7));
    CHECK_FALSE(shared.claim_scale("f.ns", 6));
    // Another function is its own claim.
    CHECK(shared.claim_scale("g.ns", 7));
    // Scaled up and back to zero since: a newer generation asks again.
    CHECK(shared.claim_scale("f.ns", 9));
    CHECK_FALSE(shared.claim_scale("f.ns", 9));
    // A failed request gives the claim back.
    shared.release_scale("f.ns");
    CHECK(shared.claim_scale("f.ns", 9));
}

TEST_SUITE_END();
