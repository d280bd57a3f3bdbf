#pragma once
// Transcripts of a real Kubernetes v1.32 API server (tests/data/kubernetes, README.md there)
// and the comparison that keeps the stand-in faithful to them: status code, Content-Type,
// Warning header and the body after normalising what legitimately differs between two servers
// (uids, timestamps, resourceVersion values, generated-name suffixes, ClusterIPs, tokens).
// Plain functions, no threads; tests/support/kube/replay.hpp wraps them in doctest checks.
#include <string>
#include <string_view>
#include <vector>

#include "core/http/types.hpp"
#include "tests/support/kube/value.hpp"

namespace faas::test::kube {

// The transcript directory compiled in (FAAS_KUBE_TRANSCRIPTS_DIR).
std::string transcripts_dir();

struct Transcript {
    std::string file;
    std::string description;
    Value request;   // {method, path, query{}, headers{}, body}
    Value response;  // {status, headers{}, body}

    // The request as sent to the stand-in: path + query, its headers, an Authorization header
    // `Bearer <token>` when `token` is not empty, the body as JSON.
    http::Request http_request(std::string_view token) const;
};

// Loads `<transcripts_dir()>/<file>`; throws std::runtime_error naming the path when it is
// missing or not a transcript (a missing reference must fail the test, never skip it).
Transcript load_transcript(std::string_view file);

// The differences between the transcript's response and `actual` ("" entries never appear);
// empty when they match. `ignored` are extra body paths not compared, dotted with [] for
// any index ("items[].status", "spec.template.spec.containers[].image"). A watch body
// (newline-delimited events) is compared event by event.
std::vector<std::string> compare_to_transcript(const Transcript& transcript,
                                               const http::Response& actual,
                                               const std::vector<std::string>& ignored = {});

// Compares two bodies with the same normalisation (for tests that build the expected value).
std::vector<std::string> compare_bodies(const Value& expected,
                                        const Value& actual,
                                        const std::vector<std::string>& ignored = {});

}  // namespace faas::test::kube
