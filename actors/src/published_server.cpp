// published_server.cpp — publish/unpublish through the middleman actor with
// asynchronous requests, so no CAF worker blocks on the network.
#include "supervise/actors/published_server.hpp"

#include <set>
#include <stdexcept>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/manager.hpp>
#include <fmt/format.h>

#include "supervise/actors/errc.hpp"
#include "supervise/context.hpp"
#include "supervise/errc.hpp"

namespace supervise::actors {

// -- published_endpoint -------------------------------------------------------------

uint16_t published_endpoint::port() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return port_;
}

uint16_t published_endpoint::last_port() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return last_port_;
}

caf::actor published_endpoint::actor() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return actor_;
}

bool published_endpoint::listening() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return port_ != 0;
}

uint16_t published_endpoint::wait_listening(std::chrono::nanoseconds d) const {
  std::unique_lock<std::mutex> guard{mtx_};
  cv_.wait_for(guard, d, [this] { return port_ != 0; });
  return port_;
}

void published_endpoint::set(uint16_t port, caf::actor served) {
  std::lock_guard<std::mutex> guard{mtx_};
  port_ = port;
  last_port_ = port;
  actor_ = std::move(served);
  cv_.notify_all();
}

void published_endpoint::clear(const caf::actor& served) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (actor_ == served) {
    port_ = 0;
    actor_ = nullptr;
  }
}

// -- validation -----------------------------------------------------------------------

caf::error validate(const published_server_options& opts) {
  name_category();
  auto bad = [](std::string what) {
    return supervise::make_error(errc::invalid_option, "published_server: " + std::move(what));
  };
  if (opts.port < 0 || opts.port > 65535)
    return bad(fmt::format("port {} is out of range 0..65535", opts.port));
  if (opts.address.empty())
    return bad("address is empty");
  if (!opts.make_actor)
    return bad("make_actor is empty");
  if (opts.rebind_window.count() < 0)
    return bad(fmt::format("rebind_window must be >= 0, got {} ns", opts.rebind_window.count()));
  return {};
}

namespace {

using retry_atom = caf::atom_constant<caf::atom("sv_rebind")>;

// One incarnation: owned by the behaviour's handlers and the exit cleanup.
struct server : std::enable_shared_from_this<server> {
  server(caf::event_based_actor* s, context& c, std::shared_ptr<const published_server_options> o)
    : self(s), ctx(c), opts(std::move(o)), log(get_logger(c)) {
    auto& sys = s->system();
    if (!opts->tls)
      mm = sys.middleman().actor_handle();
    else if (sys.has_openssl_manager())
      mm = sys.openssl_manager().actor_handle();
  }

  caf::event_based_actor* self;
  context& ctx; // valid for the actor's life
  std::shared_ptr<const published_server_options> opts;
  logger log;
  caf::io::middleman_actor mm;
  caf::actor served;
  uint16_t want = 0;       // the port to bind
  uint16_t port = 0;       // the bound port, 0 until published / after unpublish
  bool publishing = false; // a publish request is in flight
  bool stopping = false;   // a stop request arrived
  caf::error stop_reason;
  std::chrono::steady_clock::time_point retry_until;

  std::string where(uint16_t p) const { return fmt::format("{}:{}", opts->address, p); }

  void publish() {
    publishing = true;
    auto me = shared_from_this();
    self
      ->request(mm, caf::infinite, caf::publish_atom::value, want,
                caf::actor_cast<caf::strong_actor_ptr>(served), std::set<std::string>{},
                opts->address, opts->reuse_address)
      .then([me](uint16_t actual) { me->on_published(actual); },
            [me](caf::error& err) { me->on_publish_error(err); });
  }

  void on_published(uint16_t actual) {
    publishing = false;
    port = actual;
    if (stopping) {
      finish_stop();
      return;
    }
    if (opts->endpoint)
      opts->endpoint->set(actual, served);
    log.info("listening on {}", where(actual));
    signal(ctx, signal_type::healthy);
  }

  void on_publish_error(const caf::error& err) {
    publishing = false;
    if (stopping) {
      finish_stop();
      return;
    }
    if (want != 0 && err == caf::sec::cannot_open_port
        && std::chrono::steady_clock::now() < retry_until) {
      self->delayed_send(self, std::chrono::milliseconds(20), retry_atom::value);
      return;
    }
    auto text = fmt::format("{}: {}", where(want), render(err));
    log.error("cannot publish: {}", text);
    self->quit(make_error(actors_errc::bind_failed, std::move(text)));
  }

  // Unpublish, wait for the middleman's answer, then end with the stop reason.
  void finish_stop() {
    if (port == 0) {
      self->quit(stop_reason);
      return;
    }
    auto me = shared_from_this();
    auto p = port;
    self->request(mm, caf::infinite, caf::unpublish_atom::value, served.address(), p)
      .then(
        [me, p] {
          me->log.info("unpublished {}", me->where(p));
          me->port = 0;
          me->self->quit(me->stop_reason);
        },
        [me, p](caf::error& err) {
          me->log.warning("unpublish {} failed: {}", me->where(p), render(err));
          me->self->quit(me->stop_reason);
        });
  }

  // Any end of the actor: unpublish (unless done) and stop the served actor,
  // both fire and forget.
  void cleanup() {
    if (port != 0 && served)
      caf::anon_send(mm, caf::unpublish_atom::value, served.address(), port);
    port = 0;
    if (opts->endpoint)
      opts->endpoint->clear(served);
    if (served)
      caf::anon_send_exit(served, caf::exit_reason::user_shutdown);
    served = nullptr;
  }
};

caf::behavior serve(caf::event_based_actor* self, context& ctx,
                    std::shared_ptr<const published_server_options> opts) {
  auto srv = std::make_shared<server>(self, ctx, opts);
  self->attach_functor([srv] { srv->cleanup(); });
  if (!srv->mm) {
    self->quit(make_error(actors_errc::bind_failed,
                          fmt::format("{}: tls needs caf::openssl loaded (prepare_distribution)",
                                      srv->where(static_cast<uint16_t>(opts->port)))));
    return {};
  }
  srv->served = opts->make_actor(self->system());
  if (!srv->served) {
    self->quit(make_error(actors_errc::served_actor_down, "make_actor returned no actor"));
    return {};
  }
  self->monitor(srv->served);
  srv->want = static_cast<uint16_t>(opts->port);
  if (srv->want == 0 && opts->sticky_port && opts->endpoint)
    srv->want = opts->endpoint->last_port();
  self->set_down_handler([srv](caf::down_msg& msg) {
    if (!srv->served || msg.source != srv->served.address())
      return;
    auto text = fmt::format("served actor exited: {}", render(msg.reason));
    srv->log.warning("{}", text);
    // Its port is still published: cleanup() unpublishes it.
    srv->self->quit(make_error(actors_errc::served_actor_down, std::move(text)));
  });
  // The engine's stop request (user_shutdown) or any other exit request.
  self->set_exit_handler([srv](caf::exit_msg& msg) {
    if (!msg.reason || srv->stopping)
      return;
    srv->stopping = true;
    srv->stop_reason = std::move(msg.reason);
    if (!srv->publishing) // else the publish response finishes the stop
      srv->finish_stop();
  });
  srv->retry_until = std::chrono::steady_clock::now()
                     + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                       opts->rebind_window);
  srv->publish();
  return {[srv](retry_atom) { srv->publish(); }};
}

} // namespace

runnable published_server(published_server_options opts) {
  name_category();
  if (auto err = validate(opts))
    throw std::invalid_argument(supervise::detail_of(err));
  auto shared = std::make_shared<const published_server_options>(std::move(opts));
  return runnable::event_based(
    [shared](caf::event_based_actor* self, context& ctx) -> caf::behavior {
      return serve(self, ctx, shared);
    });
}

} // namespace supervise::actors
