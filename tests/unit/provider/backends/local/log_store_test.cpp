// The local back end's per-function log ring buffer (provider/backends/local/log_store.hpp).
#include <chrono>

#include <doctest/doctest.h>

#include "provider/backends/local/log_store.hpp"
#include "tests/support/printers.hpp"

using faas::provider::LogQuery;
using faas::provider::local::LogStore;

TEST_SUITE("provider log store") {

TEST_CASE("log store: keeps the newest lines per function up to the bound") {
    asio::io_context io;
    LogStore store(io.get_executor(), 3);
    for (int i = 0; i < 5; ++i) {
        store.append("fn.ns", "fn-1", "line " + std::to_string(i));
    }
    store.append("other.ns", "other-1", "unrelated");
    auto all = store.history("fn.ns", LogQuery{});
    REQUIRE(all.size() == 3);
    CHECK(all[0].text == "line 2");
    CHECK(all[2].text == "line 4");
    CHECK(all[0].instance == "fn-1");
    CHECK(all[0].timestamp.ends_with("Z"));
    CHECK(store.history("absent.ns", LogQuery{}).empty());
}

TEST_CASE("log store: tail, instance and since filter the history") {
    asio::io_context io;
    LogStore store(io.get_executor(), 100);
    store.append("fn.ns", "a", "1");
    store.append("fn.ns", "b", "2");
    store.append("fn.ns", "a", "3");
    LogQuery tail;
    tail.tail = 2;
    auto t = store.history("fn.ns", tail);
    REQUIRE(t.size() == 2);
    CHECK(t[0].text == "2");
    LogQuery inst;
    inst.instance = "a";
    auto i = store.history("fn.ns", inst);
    REQUIRE(i.size() == 2);
    CHECK(i[1].text == "3");
    LogQuery future;
    future.since = std::chrono::system_clock::now() + std::chrono::hours(1);
    CHECK(store.history("fn.ns", future).empty());
}

TEST_CASE("log store: after() returns only newer lines and appends wake followers") {
    asio::io_context io;
    LogStore store(io.get_executor(), 100);
    store.append("fn.ns", "a", "old");
    const auto cursor = store.last_seq();
    auto ev = store.change_event();
    CHECK_FALSE(ev->is_set());
    store.append("fn.ns", "a", "new");
    CHECK(ev->is_set());
    CHECK_FALSE(store.change_event()->is_set());
    auto lines = store.after("fn.ns", cursor, "");
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].text == "new");
    CHECK(store.after("fn.ns", cursor, "b").empty());
    store.erase("fn.ns");
    CHECK(store.history("fn.ns", LogQuery{}).empty());
}

}  // TEST_SUITE
