#include "tests/unit/provider/backends/kubernetes/transcripts.hpp"

#include <stdexcept>

#include "core/json/json.hpp"
#include "provider/store.hpp"

namespace faas::test::kube {

namespace {

std::string path_of(const std::string& file) {
    return std::string(FAAS_KUBE_TRANSCRIPTS) + "/" + file;
}

json::Document load(const std::string& file) {
    auto text = provider::read_small_file(path_of(file));
    if (!text) {
        throw std::runtime_error("kubernetes transcript " + path_of(file) +
                                 " cannot be read: " + text.error().what());
    }
    auto doc = json::parse(*text);
    if (!doc) {
        throw std::runtime_error("kubernetes transcript " + path_of(file) + " is not JSON");
    }
    return std::move(doc).value();
}

std::string text_of(simdjson::dom::element e) {
    std::string_view s;
    if (e.get(s) == simdjson::SUCCESS) {
        return std::string(s);
    }
    return e.is_null() ? std::string() : simdjson::minify(e);
}

}  // namespace

Transcript transcript(const std::string& file) {
    const json::Document doc = load(file);
    const auto root = doc.root();
    Transcript t;
    t.method = text_of(root.at_pointer("/request/method").value());
    t.path = text_of(root.at_pointer("/request/path").value());
    simdjson::dom::element req_body;
    if (root.at_pointer("/request/body").get(req_body) == simdjson::SUCCESS) {
        t.request_body = text_of(req_body);
    }
    t.status = static_cast<int>(root.at_pointer("/response/status").get_int64().value());
    simdjson::dom::element body;
    if (root.at_pointer("/response/body").get(body) != simdjson::SUCCESS) {
        return t;
    }
    simdjson::dom::array events;
    if (body.get(events) == simdjson::SUCCESS) {
        for (auto e : events) {
            t.body += simdjson::minify(e) + "\n";
        }
    } else {
        t.body = text_of(body);
    }
    return t;
}

std::vector<std::string> watch_lines(const std::string& file) {
    const Transcript t = transcript(file);
    std::vector<std::string> lines;
    std::size_t start = 0;
    for (auto nl = t.body.find('\n'); nl != std::string::npos; nl = t.body.find('\n', start)) {
        lines.push_back(t.body.substr(start, nl - start));
        start = nl + 1;
    }
    return lines;
}

}  // namespace faas::test::kube
