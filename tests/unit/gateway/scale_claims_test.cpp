// gateway/scale_claims: scale-from-zero requests are coalesced per endpoint-list generation.
#include "gateway/scale_claims.hpp"

#include <doctest/doctest.h>

using faas::gateway::ScaleClaims;

TEST_SUITE_BEGIN("gateway.scale_claims");

TEST_CASE("scale claim: one caller per generation asks, a newer zero asks again") {
    ScaleClaims claims;
    CHECK(claims.claim("f.ns", 7));
    // Concurrent callers that see the same (or an older) list wait for the first one.
    CHECK_FALSE(claims.claim("f.ns", 7));
    CHECK_FALSE(claims.claim("f.ns", 6));
    // Another function is its own claim.
    CHECK(claims.claim("g.ns", 7));
    // Scaled up and back to zero since: a newer generation asks again.
    CHECK(claims.claim("f.ns", 9));
    CHECK_FALSE(claims.claim("f.ns", 9));
    // A failed request gives the claim back.
    claims.release("f.ns");
    CHECK(claims.claim("f.ns", 9));
}

TEST_SUITE_END();
