#pragma once
// The real Kubernetes v1.32 exchanges the back end is checked against (tests/data/kubernetes,
// README.md there): one transcript is a request and the server's response. The directory is
// compiled in (FAAS_KUBE_TRANSCRIPTS); a missing directory or file fails the test loudly.
#include <string>
#include <vector>

namespace faas::test::kube {

struct Transcript {
    std::string method;
    std::string path;          // without the query
    std::string request_body;  // JSON text ("" when none)
    int status = 0;
    // The response body as the server sent it: JSON text, the NDJSON lines of a watch (one
    // event per line, each ending in "\n"), or the raw text of a log.
    std::string body;
};

// Loads <dir>/<file>; throws std::runtime_error naming the path when it cannot.
Transcript transcript(const std::string& file);

// The watch events of a watch transcript, one JSON text each.
std::vector<std::string> watch_lines(const std::string& file);

}  // namespace faas::test::kube
