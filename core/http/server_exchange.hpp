#pragma once
// Internal to core/http's server units (server.cpp, server_exchange.cpp): the Exchange a
// session hands its handler for one request, reading the body and writing the answer on the
// session's stream. Lives in the session's frame, on the connection's thread. Includes Beast:
// never include it outside core/http.
#include <optional>
#include <string>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "core/http/exchange.hpp"
#include "core/http/server.hpp"

namespace faas::http::detail {

class ServerExchange final : public Exchange {
public:
    ServerExchange(boost::beast::tcp_stream& stream,
                   boost::beast::flat_buffer& buffer,
                   boost::beast::http::request_parser<boost::beast::http::empty_body>& parser,
                   const ServerOptions& options,
                   const std::string& remote,
                   const bool& stopping)
        : stream_(stream),
          buffer_(buffer),
          hp_(parser),
          head_(&parser.get().base()),
          options_(options),
          remote_(remote),
          stopping_(stopping),
          request_keep_alive_(parser.keep_alive()),
          content_length_(parser.content_length()
                              ? std::optional<std::uint64_t>(*parser.content_length())
                              : std::nullopt),
          chunked_(parser.chunked()),
          head_request_(parser.get().method() == boost::beast::http::verb::head) {}

    std::string_view method() const override { return head_->method_string(); }
    std::string_view target() const override { return head_->target(); }
    std::optional<std::string_view> header(std::string_view name) const override {
        auto it = head_->find(name);
        if (it == head_->end()) {
            return std::nullopt;
        }
        return it->value();
    }
    const Headers& headers() const override {
        if (!headers_copied_) {
            for (const auto& f : *head_) {
                headers_.add(f.name_string(), f.value());
            }
            headers_copied_ = true;
        }
        return headers_;
    }
    std::optional<std::uint64_t> content_length() const override { return content_length_; }
    bool chunked() const override { return chunked_; }
    unsigned version() const override { return head_->version(); }
    const std::string& remote_address() const override { return remote_; }

    awaitable<Result<std::string>> read_body(std::size_t limit) override;
    awaitable<Result<std::size_t>> read_some(std::span<char> buf) override;

    bool body_done() const override {
        if (bp_) {
            return bp_->is_done();
        }
        if (sp_) {
            return sp_->is_done();
        }
        return hp_.is_done();
    }

    awaitable<Status> respond(Response r) override;
    awaitable<Status> begin_response(int status,
                                     const Headers& headers,
                                     std::optional<std::uint64_t> length) override;
    awaitable<Status> write_body(std::string_view data) override;
    awaitable<Status> end_response() override;

    bool response_started() const override { return started_; }
    bool response_finished() const override { return finished_; }
    int response_status() const override { return status_; }
    void close_connection() override { close_ = true; }
    void abort() override {
        close_ = true;
        boost::system::error_code ignored;
        stream_.socket().close(ignored);
    }

    bool keep_alive() const {
        return !close_ && !stopping_ && request_keep_alive_ && body_done() && finished_;
    }

private:
    void finish_head(std::string& head, const Headers& headers);
    bool keep_alive_after_response();
    awaitable<void> send_continue();
    template <class Buffers>
    awaitable<Status> write(const Buffers& bufs);

    boost::beast::tcp_stream& stream_;
    boost::beast::flat_buffer& buffer_;
    boost::beast::http::request_parser<boost::beast::http::empty_body>& hp_;
    std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> sp_;
    std::optional<boost::beast::http::request_parser<boost::beast::http::buffer_body>> bp_;
    const boost::beast::http::request_header<>* head_;
    const ServerOptions& options_;
    const std::string& remote_;
    const bool& stopping_;
    const bool request_keep_alive_;
    const std::optional<std::uint64_t> content_length_;
    const bool chunked_;
    const bool head_request_;
    mutable Headers headers_;
    mutable bool headers_copied_ = false;
    bool continue_sent_ = false;
    bool started_ = false;
    bool finished_ = false;
    int status_ = 0;
    bool close_ = false;
    bool no_body_ = false;
    bool chunked_out_ = false;
    std::optional<std::uint64_t> remaining_;
};

}  // namespace faas::http::detail
