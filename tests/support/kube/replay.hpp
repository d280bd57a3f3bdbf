#pragma once
// doctest checks over transcript.hpp: a replay test sends a transcript's request to the
// stand-in and calls expect_matches_transcript() on the answer. Header-only so that the
// stand-in's library does not depend on doctest.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/support/kube/transcript.hpp"

namespace faas::test::kube {

// Fails the current test (one CHECK per difference, naming the transcript) unless `response`
// matches the transcript's recorded response.
inline void expect_matches_transcript(const Transcript& transcript,
                                      const http::Response& response,
                                      const std::vector<std::string>& ignored = {}) {
    const auto diffs = compare_to_transcript(transcript, response, ignored);
    for (const auto& d : diffs) {
        FAIL_CHECK(transcript.file << ": " << d);
    }
    if (!diffs.empty()) {
        MESSAGE(transcript.file << " actual body: " << response.body);
    }
}

inline void expect_matches_transcript(const std::string& file,
                                      const http::Response& response,
                                      const std::vector<std::string>& ignored = {}) {
    expect_matches_transcript(load_transcript(file), response, ignored);
}

}  // namespace faas::test::kube
