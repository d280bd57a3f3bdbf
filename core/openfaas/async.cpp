// core/openfaas/async: the async pipeline's names and stream specs (docs/async.md).
#include "core/openfaas/async.hpp"

#include <algorithm>

#include "core/openfaas/types.hpp"
#include "core/text/text.hpp"

namespace faas::openfaas::async {
namespace {

constexpr std::size_t kMaxQueueName = 64;

bool token_char(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

bool is_token(std::string_view s) noexcept {
    return !s.empty() && s.size() <= kMaxQueueName && std::all_of(s.begin(), s.end(), token_char);
}

// A Go duration that must be positive: unlike Env::duration (which falls back, as OpenFaaS
// does), these size streams both components share, so a typo must stop the process.
std::chrono::nanoseconds positive_duration(const config::Env& env,
                                           std::string_view name,
                                           std::chrono::nanoseconds fallback) {
    const auto v = env.get(name);
    if (!v || v->empty()) {
        return fallback;
    }
    const auto d = config::parse_go_duration(*v);
    if (!d || d->count() <= 0) {
        throw config::ConfigError(std::string(name) + "=" + *v +
                                  ": expected a positive Go duration such as 10m, 24h or 90s");
    }
    return *d;
}

// JetStream refuses a duplicate window longer than the stream's max_age.
std::chrono::nanoseconds window_within(std::chrono::nanoseconds window,
                                       std::chrono::nanoseconds max_age) {
    return max_age.count() > 0 ? std::min(window, max_age) : window;
}

}  // namespace

StreamSettings load_stream_settings(const config::Env& env) {
    StreamSettings s;
    const std::string channel = env.string("faas_nats_channel", s.request_stream);
    if (!is_token(channel)) {
        throw config::ConfigError("faas_nats_channel=" + channel +
                                  ": expected 1 to 64 of A-Z, a-z, 0-9, '_' and '-' (a stream "
                                  "name and subject prefix)");
    }
    s.request_stream = channel;
    s.dedup_window = positive_duration(env, "async_dedup_window", s.dedup_window);
    s.status_ttl = positive_duration(env, "async_status_ttl", s.status_ttl);
    s.dead_letter_max_age = positive_duration(env, "dead_letter_max_age", s.dead_letter_max_age);
    return s;
}

Status check_queue_name(std::string_view queue) {
    if (is_token(queue)) {
        return {};
    }
    return make_error(errc::bad_request, "queue name \"" + std::string(queue) +
                                             "\": expected 1 to 64 of A-Z, a-z, 0-9, '_' and '-'");
}

bool valid_webhook_secret_name(std::string_view name) noexcept {
    return valid_dns_label(name);
}

std::string queue_or_default(std::string_view queue) {
    return std::string(queue.empty() ? kDefaultQueue : queue);
}

std::string request_subject(const StreamSettings& s,
                            std::string_view queue,
                            std::string_view call_id) {
    std::string out = s.request_stream;
    out += '.';
    out += queue;
    out += '.';
    out += text::percent_encode(call_id, token_char);
    return out;
}

std::string request_filter(const StreamSettings& s, std::string_view queue) {
    return s.request_stream + "." + std::string(queue) + ".*";
}

std::string call_request_filter(const StreamSettings& s, std::string_view call_id) {
    return s.request_stream + ".*." + text::percent_encode(call_id, token_char);
}

std::string dead_letter_subject(const StreamSettings& s, std::string_view queue) {
    return s.dead_letter_stream + "." + std::string(queue);
}

namespace {

// The rest of `subject` after "<prefix>.", nullopt when it does not start so.
std::optional<std::string_view> after_prefix(std::string_view subject, std::string_view prefix) {
    if (subject.size() > prefix.size() && subject.substr(0, prefix.size()) == prefix &&
        subject[prefix.size()] == '.') {
        return subject.substr(prefix.size() + 1);
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::string> parse_request_subject(const StreamSettings& s,
                                                 std::string_view subject) {
    auto rest = after_prefix(subject, s.request_stream);
    if (!rest) {
        return std::nullopt;
    }
    const auto dot = rest->find('.');
    if (dot == std::string_view::npos) {
        return std::nullopt;
    }
    const std::string_view queue = rest->substr(0, dot);
    const std::string_view last = rest->substr(dot + 1);
    // The last token: an escaped call id (token characters and '%') or a filter's '*'.
    const bool call_token =
        last == "*" ||
        (!last.empty() && std::all_of(last.begin(), last.end(),
                                      [](char c) { return token_char(c) || c == '%'; }));
    if (!is_token(queue) || !call_token) {
        return std::nullopt;
    }
    return std::string(queue);
}

std::optional<std::string> queue_of_subject(const StreamSettings& s, std::string_view subject) {
    if (auto q = parse_request_subject(s, subject)) {
        return q;
    }
    if (auto rest = after_prefix(subject, s.dead_letter_stream); rest && is_token(*rest)) {
        return std::string(*rest);
    }
    return std::nullopt;
}

std::string durable_name(const StreamSettings& s, std::string_view queue) {
    return s.request_stream + "-calls_" + std::string(queue);
}

nats::ConsumerSpec queue_consumer_spec(const StreamSettings& s, std::string_view queue) {
    nats::ConsumerSpec spec;
    spec.stream = s.request_stream;
    spec.durable = durable_name(s, queue);
    spec.filter_subject = request_filter(s, queue);
    spec.ack_wait = kDefaultAckWait;
    spec.max_deliver = -1;
    spec.max_ack_pending = kDefaultMaxInflight;
    return spec;
}

nats::StreamSpec request_stream_spec(const StreamSettings& s) {
    nats::StreamSpec spec;
    spec.name = s.request_stream;
    spec.subjects = {s.request_stream + ".>"};
    spec.retention = nats::Retention::WorkQueue;
    spec.storage = nats::Storage::File;
    spec.duplicate_window = s.dedup_window;
    return spec;
}

nats::StreamSpec dead_letter_stream_spec(const StreamSettings& s) {
    nats::StreamSpec spec;
    spec.name = s.dead_letter_stream;
    spec.subjects = {s.dead_letter_stream + ".>"};
    spec.retention = nats::Retention::Limits;
    spec.storage = nats::Storage::File;
    spec.max_age = s.dead_letter_max_age;
    spec.duplicate_window = window_within(spec.duplicate_window, spec.max_age);
    return spec;
}

nats::StreamSpec status_stream_spec(const StreamSettings& s) {
    nats::StreamSpec spec;
    spec.name = "KV_" + s.status_bucket;
    spec.subjects = {"$KV." + s.status_bucket + ".>"};
    spec.retention = nats::Retention::Limits;
    spec.storage = nats::Storage::File;
    spec.max_msgs_per_subject = 1;
    spec.max_age = s.status_ttl;
    spec.duplicate_window = window_within(s.dedup_window, spec.max_age);
    return spec;
}

std::string status_subject(const StreamSettings& s, std::string_view call_id) {
    return "$KV." + s.status_bucket + "." + text::percent_encode(call_id, token_char);
}

nats::Headers dead_letter_headers(const DeadLetterHeaders& h) {
    return nats::Headers{{std::string(kDeadReasonHeader), h.reason},
                         {std::string(kDeadStatusHeader), std::to_string(h.status_code)},
                         {std::string(kDeadAttemptsHeader), std::to_string(h.attempts)},
                         {std::string(kDeadAtHeader), h.dead_lettered_at}};
}

DeadLetterHeaders parse_dead_letter_headers(const nats::Headers& headers) {
    const auto value = [&headers](std::string_view name) {
        return nats::find_header(headers, name).value_or(std::string_view());
    };
    DeadLetterHeaders h;
    h.reason = std::string(value(kDeadReasonHeader));
    h.dead_lettered_at = std::string(value(kDeadAtHeader));
    h.attempts = text::parse_uint(value(kDeadAttemptsHeader)).value_or(0);
    const auto status = text::parse_uint(value(kDeadStatusHeader));
    h.status_code = status && *status <= 999 ? static_cast<int>(*status) : 0;
    return h;
}

}  // namespace faas::openfaas::async
