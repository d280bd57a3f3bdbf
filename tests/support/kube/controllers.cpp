#include "tests/support/kube/controllers.hpp"

#include <exception>
#include <optional>

#include "core/async/task_group.hpp"

namespace faas::test::kube {

bool write_if_changed(SyncContext& ctx, const Gvr& gvr, const Value& before, Value object) {
    if (object == before) {
        return false;
    }
    auto written = ctx.store.update(gvr, std::move(object));
    if (!written) {
        ctx.log->debug("controller write failed resource={} name={} error=\"{}\"", gvr.resource,
                       before.string_at({"metadata", "name"}), written.error().message);
        return false;
    }
    return true;
}

void delete_object(SyncContext& ctx,
                   const Gvr& gvr,
                   const Value& object,
                   std::string_view propagation) {
    DeleteOptions options;
    options.propagation = propagation;
    options.precondition_uid = object.string_at({"metadata", "uid"});
    options.grace_seconds = gvr == gvr::kPods ? util::pod_grace_seconds(object) : 0;
    auto done = ctx.store.remove(gvr, object.string_at({"metadata", "namespace"}),
                                 object.string_at({"metadata", "name"}), options);
    if (!done && done.error().code != 404) {
        ctx.log->debug("controller delete failed resource={} name={} error=\"{}\"", gvr.resource,
                       object.string_at({"metadata", "name"}), done.error().message);
    }
}

struct ControllerManager::Impl {
    explicit Impl(std::chrono::milliseconds every) : resync(every) {}

    std::chrono::milliseconds resync;
    ControllerContext* ctx = nullptr;
    std::optional<asio::steady_timer> timer;
    std::optional<async::TaskGroup> tasks;
    std::mt19937_64 rng{std::random_device{}()};
    bool queued = false;

    // One pass soon; changes arriving before it runs share it.
    void queue() {
        if (queued || !tasks || tasks->closed()) {
            return;
        }
        queued = true;
        tasks->spawn([this]() -> awaitable<void> {
            queued = false;
            pass();
            co_return;
        });
    }

    void pass() {
        SyncContext sc{ctx->store, ctx->store.now(), rng, ctx->log};
        try {
            schedule_pods(sc);
            sync_deployments(sc);
            sync_replica_sets(sc);
            sync_endpoint_slices(sc);
            collect_garbage(sc);
        } catch (const std::exception& e) {
            ctx->log->error("controller pass failed error=\"{}\"", e.what());
        }
    }

    awaitable<void> tick() {
        while (!tasks->closed()) {
            timer->expires_after(resync);
            boost::system::error_code ec;
            co_await timer->async_wait(asio::redirect_error(use_awaitable, ec));
            queue();
        }
    }
};

ControllerManager::ControllerManager(std::chrono::milliseconds resync)
    : impl_(std::make_unique<Impl>(resync)) {}

ControllerManager::~ControllerManager() = default;

void ControllerManager::start(ControllerContext& ctx) {
    impl_->ctx = &ctx;
    impl_->timer.emplace(ctx.io);
    impl_->tasks.emplace(ctx.io.get_executor());
    impl_->tasks->spawn([impl = impl_.get()]() -> awaitable<void> { co_await impl->tick(); });
    impl_->queue();
}

void ControllerManager::on_event(const Event& /*event*/) {
    impl_->queue();
}

awaitable<void> ControllerManager::stop() {
    if (!impl_->tasks) {
        co_return;
    }
    impl_->tasks->close();
    impl_->timer->cancel();
    co_await impl_->tasks->wait();
    // I/O objects go with the server's io_context, which may die before this controller.
    impl_->timer.reset();
    impl_->tasks.reset();
}

}  // namespace faas::test::kube
