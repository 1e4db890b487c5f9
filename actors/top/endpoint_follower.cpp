// endpoint_follower.cpp — the follower actor: connect, hello, snapshot,
// follow, one request at a time.
#include "endpoint_follower.hpp"

#include <functional>
#include <set>
#include <stdexcept>
#include <utility>

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <fmt/format.h>

#include "supervise/actors/errc.hpp"
#include "supervise/actors/inspection_protocol.hpp"
#include "supervise/errc.hpp"

namespace supervise::top {

endpoint_listener::~endpoint_listener() = default;

namespace {

using reconnect_atom = caf::atom_constant<caf::atom("top_recon")>;
using clock_type = std::chrono::steady_clock;

// Events arriving within this of a snapshot wait for the next one (the
// endpoint shares snapshots taken within 50 ms anyway).
constexpr auto snapshot_after_events = std::chrono::milliseconds(100);

struct follower_state {
  follower_options opts;
  std::shared_ptr<endpoint_listener> listener;
  caf::actor server;
  uint64_t generation = 0; // +1 per connection: late replies of an old one are ignored
  uint64_t after = 0;      // the next follow request's `after`
  uint64_t last_seq = 0;   // newest event reported (a re-follow from 0 skips older ones)
  clock_type::time_point last_snapshot{};
  bool lost = false;
};

class follower_run {
public:
  follower_run(caf::event_based_actor* self, follower_options opts,
               std::shared_ptr<endpoint_listener> listener)
    : self_(self), st_(std::make_shared<follower_state>()) {
    st_->opts = std::move(opts);
    st_->listener = std::move(listener);
  }

  caf::behavior start() {
    auto run = *this;
    self_->set_down_handler([run](caf::down_msg& msg) {
      auto r = run; // lose() is not const
      if (msg.source == r.st_->server.address())
        r.lose(fmt::format("the endpoint went away ({})", render(msg.reason)));
    });
    connect();
    return {[run](reconnect_atom) mutable { run.connect(); }};
  }

private:
  // True for a reply to a request of the current connection (`gen`): one
  // of an earlier connection arrives late and is ignored.
  bool current(uint64_t gen) const {
    return st_->generation == gen && !st_->lost;
  }

  // Loses the connection with the error's text after `what`.
  std::function<void(caf::error&)> on_error(std::string what = {}) {
    auto run = *this;
    auto gen = st_->generation;
    return [run, gen, what](caf::error& err) mutable {
      if (run.current(gen))
        run.lose(what + render(err));
    };
  }

  void connect() {
    ++st_->generation;
    st_->lost = false;
    auto& sys = self_->system();
    auto mm = st_->opts.tls ? sys.openssl_manager().actor_handle()
                            : sys.middleman().actor_handle();
    auto run = *this;
    self_->request(mm, st_->opts.request_timeout, caf::connect_atom::value,
                   st_->opts.address.host, st_->opts.address.port)
      .then([run, gen = st_->generation](caf::node_id&, caf::strong_actor_ptr& ptr,
                          std::set<std::string>&) mutable {
              if (!run.current(gen))
                return;
              if (!ptr) {
                run.lose("no actor is published on this port");
                return;
              }
              run.st_->server = caf::actor_cast<caf::actor>(ptr);
              run.st_->after = 0; // a reconnect follows anew; last_seq skips what was seen
              run.self_->monitor(run.st_->server);
              run.hello();
            },
            on_error("cannot connect: "));
  }

  void hello() {
    auto run = *this;
    self_->request(st_->server, st_->opts.request_timeout,
                   actors::inspect_hello_atom::value)
      .then([run, gen = st_->generation](std::string& json) mutable {
              if (!run.current(gen))
                return;
              hello_reply h;
              try {
                h = read_hello(json);
              } catch (const std::exception& e) {
                run.lose(fmt::format("not an inspection endpoint: {}", e.what()));
                return;
              }
              if (h.protocol != actors::inspection_protocol_version) {
                run.lose(fmt::format("the endpoint speaks inspection protocol {}, this "
                                     "program {}",
                                     h.protocol, actors::inspection_protocol_version));
                return;
              }
              run.st_->listener->connected(run.st_->opts.index, h);
              if (!run.st_->opts.follow)
                run.take_snapshot([run]() mutable { run.self_->quit(); });
              else if (run.st_->opts.backlog || run.st_->last_seq != 0)
                run.take_snapshot([run]() mutable { run.follow(); });
              else
                run.skip_backlog();
            },
            on_error("no answer to hello (not an inspection endpoint?): "));
  }

  // Reads the events kept from before without reporting them; then the
  // first snapshot, then following.
  void skip_backlog() {
    auto run = *this;
    self_->request(st_->server, st_->opts.request_timeout, actors::inspect_follow_atom::value,
                   st_->after, uint32_t{0})
      .then([run, gen = st_->generation](std::string& json) mutable {
              if (!run.current(gen))
                return;
              follow_reply r;
              if (!run.read(json, r))
                return;
              run.st_->after = r.next;
              if (!r.events.empty()) {
                run.st_->last_seq = r.events.back().seq;
                run.skip_backlog();
              } else {
                run.take_snapshot([run]() mutable { run.follow(); });
              }
            },
            on_error());
  }

  void take_snapshot(std::function<void()> next) {
    auto run = *this;
    st_->last_snapshot = clock_type::now();
    self_->request(st_->server, st_->opts.request_timeout, actors::inspect_snapshot_atom::value)
      .then([run, next, gen = st_->generation](std::string& json) mutable {
              if (!run.current(gen))
                return;
              snapshot_reply s;
              try {
                s = read_snapshot(json);
              } catch (const std::exception& e) {
                run.lose(e.what());
                return;
              }
              run.st_->listener->snapshot(run.st_->opts.index, std::move(s));
              next();
            },
            on_error());
  }

  void follow() {
    auto run = *this;
    auto wait = st_->opts.follow_wait_ms;
    self_->request(st_->server, st_->opts.request_timeout + std::chrono::milliseconds(wait),
                   actors::inspect_follow_atom::value, st_->after, wait)
      .then([run, gen = st_->generation](std::string& json) mutable {
              if (!run.current(gen))
                return;
              follow_reply r;
              if (!run.read(json, r))
                return;
              auto& st = *run.st_;
              if (st.after == 0)
                r.dropped = 0; // a (re)start: nothing was missed by this follower
              if (r.next < st.last_seq)
                st.last_seq = 0; // numbered from 1 again: another process serves the port
              st.after = r.next;
              auto old = std::remove_if(r.events.begin(), r.events.end(),
                                        [&](auto& e) { return e.seq <= st.last_seq; });
              r.events.erase(old, r.events.end());
              bool fresh = !r.events.empty();
              if (fresh)
                st.last_seq = r.events.back().seq;
              if (fresh || r.dropped != 0)
                st.listener->events(st.opts.index, std::move(r));
              auto since = clock_type::now() - st.last_snapshot;
              bool due = (fresh && since >= snapshot_after_events) || since >= st.opts.interval;
              if (st.opts.refresh && due)
                run.take_snapshot([run]() mutable { run.follow(); });
              else
                run.follow();
            },
            [run, gen = st_->generation](caf::error& err) mutable {
              if (!run.current(gen))
                return;
              if (err == actors::actors_errc::inspector_dropped) {
                run.st_->after = 0; // a new follower; last_seq skips what was seen
                run.follow();
                return;
              }
              run.lose(render(err));
            });
  }

  bool read(const std::string& json, follow_reply& r) {
    try {
      r = read_follow(json);
      return true;
    } catch (const std::exception& e) {
      lose(e.what());
      return false;
    }
  }

  void lose(const std::string& why) {
    if (st_->lost)
      return;
    st_->lost = true;
    if (st_->server)
      self_->demonitor(st_->server);
    st_->server = nullptr;
    st_->listener->lost(st_->opts.index, fmt::format("{}: {}", st_->opts.address.text(), why));
    if (st_->opts.reconnect)
      self_->delayed_send(self_, st_->opts.reconnect_delay, reconnect_atom::value);
    else
      self_->quit();
  }

  caf::event_based_actor* self_;
  std::shared_ptr<follower_state> st_;
};

} // namespace

caf::actor spawn_endpoint_follower(caf::actor_system& sys, follower_options opts,
                                   std::shared_ptr<endpoint_listener> listener) {
  actors::name_category();
  // The listener is a spawn argument: CAF 0.17 dereferences a null argument
  // tuple when a function is spawned without arguments (UBSan).
  return sys.spawn(
    [opts](caf::event_based_actor* self, std::shared_ptr<endpoint_listener> listener) {
      return follower_run{self, opts, listener}.start();
    },
    std::move(listener));
}

} // namespace supervise::top
