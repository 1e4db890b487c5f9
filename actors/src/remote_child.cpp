// remote_child.cpp — the stub: a local event-based actor that mirrors one
// incarnation of a remote child into the engine (see remote_child.hpp).
//
// Its life, top to bottom:
//   placing  -> the desk picks a node and holds the new epoch current there;
//   starting -> the agent confirms the epoch with the desk and spawns;
//   running  -> monitors the child and the agent (high priority);
//   ends     -> with the child's own exit reason; or, its node lost, with
//               node_lost once the desk says the lease surely lapsed (or at
//               once with on_node_lost::immediate).
#include "supervise/actors/remote_child.hpp"

#include <atomic>
#include <stdexcept>

#include <caf/all.hpp>
#include <fmt/format.h>

#include "desk/lease_desk.hpp"
#include "desk/node_table.hpp"
#include "detail/protocol.hpp"
#include "supervise/actors/errc.hpp"
#include "supervise/context.hpp"
#include "supervise/errc.hpp"

namespace supervise::actors {

// -- validation -----------------------------------------------------------------------

caf::error validate(const remote_child_options& opts) {
  name_category();
  auto bad = [](std::string what) {
    return supervise::make_error(errc::invalid_option, "remote_child: " + std::move(what));
  };
  using std::chrono::milliseconds;
  if (opts.type.empty())
    return bad("type is empty");
  if (opts.nodes.empty())
    return bad("nodes is empty");
  for (size_t i = 0; i < opts.nodes.size(); ++i) {
    auto& n = opts.nodes[i];
    if (n.name.empty() || n.name.size() > 64)
      return bad(fmt::format("nodes[{}].name \"{}\" must be 1..64 chars", i, n.name));
    if (n.host.empty())
      return bad(fmt::format("nodes[{}] ({}): host is empty", i, n.name));
    if (n.port < 1 || n.port > 65535)
      return bad(fmt::format("nodes[{}] ({}): port {} is out of range 1..65535", i, n.name, n.port));
    for (size_t j = 0; j < i; ++j)
      if (opts.nodes[j].name == n.name)
        return bad(fmt::format("nodes[{}]: name \"{}\" is listed twice", i, n.name));
  }
  if (opts.lease < milliseconds(100))
    return bad(fmt::format("lease must be >= 100 ms, got {} ns", opts.lease.count()));
  if (opts.stop_grace.count() < 0)
    return bad(fmt::format("stop_grace must be >= 0, got {} ns", opts.stop_grace.count()));
  if (opts.connect_timeout.count() <= 0)
    return bad(fmt::format("connect_timeout must be > 0, got {} ns", opts.connect_timeout.count()));
  if (opts.quarantine.count() < 0)
    return bad(fmt::format("quarantine must be >= 0, got {} ns", opts.quarantine.count()));
  return {};
}

namespace {

using lapse_atom = caf::atom_constant<caf::atom("sv_lapse")>;

// An epoch higher than every one this process gave, and (through the wall
// clock's microseconds) than those of its earlier runs.
uint64_t next_epoch() {
  static std::atomic<uint64_t> last{0};
  auto now = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  auto prev = last.load();
  uint64_t next;
  do
    next = std::max(prev + 1, now);
  while (!last.compare_exchange_weak(prev, next));
  return next;
}

// What all incarnations of one remote_child share.
struct shared_options {
  remote_child_options opts;
  std::atomic<uint64_t> next{0}; // round_robin: the candidate after the last one taken
};

// One incarnation.
struct stub : std::enable_shared_from_this<stub> {
  stub(caf::event_based_actor* s, context& c, std::shared_ptr<shared_options> sh)
    : self(s), ctx(c), shared(std::move(sh)), opts(shared->opts), log(get_logger(c)),
      use(s->system()), desk(use.desk()), epoch(next_epoch()) {}

  caf::event_based_actor* self;
  context& ctx; // valid for the actor's life
  std::shared_ptr<shared_options> shared;
  const remote_child_options& opts;
  logger log;
  detail::desk_use use; // keeps the desk while this stub lives
  caf::actor desk;
  uint64_t epoch;
  caf::actor agent;       // set once placed: a start may run from then on
  std::string node;
  std::shared_ptr<const detail::node_status> status; // of `node`, once started
  caf::actor child;       // set once started, cleared at its own end
  bool lapsing = false;   // the child may run unseen: waiting for its lease to lapse
  caf::error lost_reason; // the end once it lapsed
  bool stopping = false;  // a stop request arrived
  caf::error stop_reason;
  bool released = false;  // the desk was told the epoch is over
  bool child_ended = false; // its end was seen (or nothing was started): nothing runs

  std::string key() const { return opts.key.empty() ? ctx.dn() : opts.key; }

  std::string group() const {
    if (!opts.spread_group.empty())
      return opts.spread_group;
    auto dot = ctx.dn().rfind('.');
    return dot == std::string::npos ? std::string{} : ctx.dn().substr(0, dot);
  }

  void place() {
    auto req = std::make_shared<detail::place_request>();
    req->opts = std::shared_ptr<const remote_child_options>(shared, &shared->opts);
    req->group = group();
    req->key = key();
    req->epoch = epoch;
    req->turn = shared->next.load();
    auto me = shared_from_this();
    self->request(desk, caf::infinite, detail::place_atom::value, detail::place_request_ptr{req})
      .then([me](caf::actor& a, std::string& name) { me->on_placed(std::move(a), std::move(name)); },
            [me](caf::error& err) { me->end(std::move(err)); });
  }

  void on_placed(caf::actor a, std::string name) {
    agent = std::move(a);
    node = std::move(name);
    for (size_t i = 0; i < opts.nodes.size(); ++i)
      if (opts.nodes[i].name == node)
        shared->next = i + 1;
    if (stopping) {
      child_ended = true; // no start was sent: nothing runs
      end(stop_reason);
      return;
    }
    self->monitor<caf::message_priority::high>(agent);
    auto me = shared_from_this();
    self
      ->request(agent, opts.connect_timeout + opts.lease, detail::start_atom::value, key(), epoch,
                opts.type, opts.args, desk, int64_t{opts.lease.count()},
                int64_t{opts.stop_grace.count()})
      .then([me](caf::actor& c) { me->on_started(std::move(c)); },
            [me](caf::error& err) {
              if (err == caf::sec::request_timeout) // it may still start there
                me->wait_for_lapse(make_error(errc::no_node_available,
                                              fmt::format("node {} did not answer the start "
                                                          "in time", me->node)),
                                   true);
              else if (!me->lapsing) { // the agent refused: nothing runs
                me->child_ended = true;
                me->end(me->stopping ? me->stop_reason : std::move(err));
              }
            });
  }

  void on_started(caf::actor c) {
    child = std::move(c);
    self->monitor<caf::message_priority::high>(child);
    if (opts.handle)
      opts.handle->set(child, node, epoch);
    if (stopping) {
      self->send_exit(child, stop_reason);
      return;
    }
    log.info("runs on {} (epoch {})", node, epoch);
    status = status_of(node);
    // Asked per snapshot. A weak reference fits std::function's own buffer
    // and does not keep the stub (and its use of the desk) alive.
    set_location(ctx, [me = std::weak_ptr<const stub>{shared_from_this()}] {
      auto st = me.lock();
      return st ? st->where() : std::string{};
    });
    notify(placement_event::kind::placed);
    set_named_actor(ctx, child); // clients reach the child by the stub's DN
    signal(ctx, signal_type::healthy);
  }

  void on_down(const caf::down_msg& msg) {
    auto unreachable = is(msg.reason, caf::exit_reason::remote_link_unreachable);
    if (child && msg.source == child.address()) {
      if (!unreachable) {
        child = nullptr;
        child_ended = true;
        end(stopping ? stop_reason : msg.reason); // the child's own end
      } else {
        node_lost();
      }
    } else if (agent && msg.source == agent.address() && unreachable) {
      node_lost();
    } // the agent stopped by itself: it stops the child, whose end follows
  }

  // The connection to the node is gone: the child may still run there.
  void node_lost() {
    auto why = make_error(errc::node_lost, fmt::format("the connection to node {} was lost", node));
    if (opts.when_lost == on_node_lost::immediate) {
      log.warning("node {} lost: failing over at once (epoch {} may still run there)", node, epoch);
      notify(placement_event::kind::lost);
      release(true);
      end(std::move(why));
      return;
    }
    wait_for_lapse(std::move(why), true);
  }

  // The child may run without this stub knowing (its node is cut off, or
  // the start's answer never came): end with `why` only once the desk says
  // its lease surely lapsed there.
  void wait_for_lapse(caf::error why, bool node_failed) {
    if (lapsing)
      return;
    lapsing = true;
    lost_reason = std::move(why);
    released = true;
    auto me = shared_from_this();
    self->request(desk, caf::infinite, detail::release_atom::value, epoch, node_failed, fence())
      .then([me](int64_t safe_ns) {
        auto wait = std::chrono::nanoseconds{
          safe_ns - detail::steady_ns(me->self->clock().now())};
        wait = std::max(wait, std::chrono::nanoseconds{0});
        auto ms = wait.count() / 1000000;
        me->log.warning("{}: epoch {} is surely stopped on {} in {} ms",
                        render(me->lost_reason), me->epoch, me->node, ms);
        set_location(me->ctx, fmt::format("{} epoch {} (lost; its lease lapses in {} ms)",
                                          me->node, me->epoch, ms));
        me->notify(placement_event::kind::lost, wait);
        me->self->delayed_send(me->self, wait, lapse_atom::value);
      });
  }

  // "n1 epoch 17, lease renewed 31 ms ago": the node's last grant, now.
  std::string where() const {
    auto t = status ? status->last_grant.load() : 0;
    if (t == 0)
      return fmt::format("{} epoch {}", node, epoch);
    auto age = std::max<int64_t>(detail::steady_ns(self->clock().now()) - t, 0);
    return fmt::format("{} epoch {}, lease renewed {} ms ago", node, epoch, age / 1000000);
  }

  // The node this process knows as `name` (see desk/node_table.hpp).
  std::shared_ptr<const detail::node_status> status_of(const std::string& name) const {
    for (auto& n : opts.nodes)
      if (n.name == name)
        return detail::node_table::of(self->system())->find(detail::address_of(n));
    return nullptr;
  }

  void notify(placement_event::kind what, std::chrono::nanoseconds fails_over_in = {}) {
    if (!opts.on_placement)
      return;
    try {
      opts.on_placement(placement_event{what, ctx.dn(), node, epoch, fails_over_in});
    } catch (const std::exception& e) {
      log.error("on_placement threw: {}", e.what());
    } catch (...) {
      log.error("on_placement threw");
    }
  }

  void on_lapse() { end(stopping ? stop_reason : lost_reason); }

  // Whether the next incarnation must wait until this one's lease surely
  // lapsed: its child may still run (this stub did not see it end), unless
  // failing over at once was asked for.
  bool fence() const { return !child_ended && opts.when_lost == on_node_lost::wait_for_lease; }

  void release(bool node_failed) {
    released = true;
    caf::anon_send(desk, detail::release_atom::value, epoch, node_failed, fence());
  }

  void on_stop_request(caf::exit_msg& msg) {
    if (!msg.reason || stopping)
      return;
    stopping = true;
    stop_reason = std::move(msg.reason);
    if (lapsing)
      return; // ends when the lease lapsed
    if (child)
      self->send_exit(child, stop_reason); // ends when the child did
    else if (!agent) {
      child_ended = true; // still placing: nothing runs (cleanup releases the epoch)
      end(stop_reason);
    }
    // else starting: on_started asks the new child to stop, or the refusal ends it
  }

  void end(caf::error reason) {
    self->quit(std::move(reason));
  }

  // Any end of the actor (also a kill): the desk forgets the epoch, a child
  // still known is asked to stop.
  void cleanup() {
    if (!released)
      release(false);
    if (child && !lapsing)
      caf::anon_send_exit(child, caf::exit_reason::user_shutdown);
    if (opts.handle)
      opts.handle->clear(epoch);
  }
};

} // namespace

runnable remote_child(remote_child_options opts) {
  name_category();
  if (auto err = validate(opts))
    throw std::invalid_argument(supervise::detail_of(err));
  auto shared = std::make_shared<shared_options>();
  shared->opts = std::move(opts);
  return runnable::event_based([shared](caf::event_based_actor* self, context& ctx) -> caf::behavior {
    auto st = std::make_shared<stub>(self, ctx, shared);
    self->attach_functor([st] { st->cleanup(); });
    self->set_down_handler([st](caf::down_msg& msg) { st->on_down(msg); });
    self->set_exit_handler([st](caf::exit_msg& msg) { st->on_stop_request(msg); });
    st->place();
    return {[st](lapse_atom) { st->on_lapse(); }};
  });
}

} // namespace supervise::actors
