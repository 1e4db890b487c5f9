// remote_connection.cpp — the middleman's connect request, asynchronously, and
// a monitor on the proxy it returns.
#include "supervise/actors/remote_connection.hpp"

#include <stdexcept>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <fmt/format.h>

#include "supervise/actors/errc.hpp"
#include "supervise/context.hpp"
#include "supervise/errc.hpp"

namespace supervise::actors {

// -- remote_handle -------------------------------------------------------------------

caf::expected<caf::actor> remote_handle::get() const {
  std::lock_guard<std::mutex> guard{mtx_};
  if (!actor_)
    return make_error(actors_errc::not_running, "not connected to " + where_);
  return actor_;
}

bool remote_handle::connected() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return static_cast<bool>(actor_);
}

uint64_t remote_handle::connections() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return connections_;
}

bool remote_handle::wait_connections(uint64_t n, std::chrono::nanoseconds d) const {
  std::unique_lock<std::mutex> guard{mtx_};
  return cv_.wait_for(guard, d, [&] { return connections_ >= n; });
}

void remote_handle::set(caf::actor remote, std::string where) {
  std::lock_guard<std::mutex> guard{mtx_};
  actor_ = std::move(remote);
  where_ = std::move(where);
  ++connections_;
  cv_.notify_all();
}

void remote_handle::clear(const caf::actor& remote, std::string where) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (actor_ == remote) {
    actor_ = nullptr;
    where_ = std::move(where);
  }
}

// -- validation -----------------------------------------------------------------------

caf::error validate(const remote_connection_options& opts) {
  name_category();
  auto bad = [](std::string what) {
    return supervise::make_error(errc::invalid_option, "remote_connection: " + std::move(what));
  };
  if (opts.host.empty())
    return bad("host is empty");
  if (opts.port < 1 || opts.port > 65535)
    return bad(fmt::format("port {} is out of range 1..65535", opts.port));
  if (opts.connect_timeout.count() <= 0)
    return bad(fmt::format("connect_timeout must be > 0, got {} ns", opts.connect_timeout.count()));
  return {};
}

namespace {

caf::behavior connect(caf::event_based_actor* self, context& ctx,
                      std::shared_ptr<const remote_connection_options> opts) {
  auto log = get_logger(ctx);
  auto where = fmt::format("{}:{}", opts->host, opts->port);
  auto remote = std::make_shared<caf::actor>();
  self->attach_functor([opts, remote, where] {
    if (opts->handle && *remote)
      opts->handle->clear(*remote, where);
  });
  self->set_down_handler([self, remote, where, log](caf::down_msg& msg) {
    if (!*remote || msg.source != remote->address())
      return;
    auto text = fmt::format("{}: remote actor down: {}", where, render(msg.reason));
    log.warning("connection lost: {}", text);
    self->quit(make_error(actors_errc::connection_lost, std::move(text)));
  });
  auto mm = self->system().middleman().actor_handle();
  auto timeout = std::chrono::duration_cast<caf::timespan>(opts->connect_timeout);
  self
    ->request(mm, timeout, caf::connect_atom::value, opts->host,
              static_cast<uint16_t>(opts->port))
    .then(
      [self, &ctx, opts, remote, where, log](const caf::node_id&, caf::strong_actor_ptr& ptr,
                                             const std::set<std::string>&) {
        if (!ptr) {
          auto text = where + ": no actor published there";
          log.error("cannot connect: {}", text);
          self->quit(make_error(actors_errc::connect_failed, std::move(text)));
          return;
        }
        *remote = caf::actor_cast<caf::actor>(std::move(ptr));
        self->monitor(*remote);
        if (opts->handle)
          opts->handle->set(*remote, where);
        log.info("connected to {}", where);
        signal(ctx, signal_type::healthy);
      },
      [self, where, log](caf::error& err) {
        auto text = fmt::format("{}: {}", where, render(err));
        log.error("cannot connect: {}", text);
        self->quit(make_error(actors_errc::connect_failed, std::move(text)));
      });
  // The default exit handler ends the actor on the engine's stop request.
  return {[] {}};
}

} // namespace

runnable remote_connection(remote_connection_options opts) {
  name_category();
  if (auto err = validate(opts))
    throw std::invalid_argument(supervise::detail_of(err));
  auto shared = std::make_shared<const remote_connection_options>(std::move(opts));
  return runnable::event_based(
    [shared](caf::event_based_actor* self, context& ctx) -> caf::behavior {
      return connect(self, ctx, shared);
    });
}

} // namespace supervise::actors
