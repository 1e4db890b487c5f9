// inspection/inspection.cpp — the observer half (records into the ring
// while anyone follows) and the endpoint half (a published_server serving
// inspection_server).
#include "supervise/actors/inspection.hpp"

#include <stdexcept>

#include <caf/all.hpp>

#include "inspection/inspection_core.hpp"
#include "supervise/context.hpp"
#include "supervise/errc.hpp"

namespace supervise::actors {

caf::error validate(const inspection_options& x) {
  std::string problems;
  auto add = [&](std::string p) { problems += (problems.empty() ? "" : "; ") + std::move(p); };
  if (x.address.empty())
    add("address = \"\": must name an address to bind (e.g. 127.0.0.1)");
  if (x.port < 0 || x.port > 65535)
    add("port = " + std::to_string(x.port) + ": must be in 0..65535");
  if (x.buffer == 0)
    add("buffer = 0: must be >= 1");
  if (x.batch == 0)
    add("batch = 0: must be >= 1");
  if (x.stall_timeout.count() <= 0)
    add("stall_timeout = " + std::to_string(x.stall_timeout.count()) + "ns: must be > 0");
  if (x.follow_interval.count() < 0)
    add("follow_interval = " + std::to_string(x.follow_interval.count()) + "ns: must be >= 0");
  if (x.snapshot_max_age.count() < 0)
    add("snapshot_max_age = " + std::to_string(x.snapshot_max_age.count())
        + "ns: must be >= 0");
  if (problems.empty())
    return {};
  return make_error(errc::invalid_option, "inspection_options: " + problems);
}

inspection::inspection(inspection_options opts) {
  if (auto err = validate(opts))
    throw std::invalid_argument(supervise::detail_of(err));
  core_ = std::make_shared<detail::inspection_core>(std::move(opts));
  published_server_options ps;
  ps.address = core_->opts.address;
  ps.port = core_->opts.port;
  ps.tls = core_->opts.tls;
  ps.endpoint = core_->opts.endpoint;
  ps.make_actor = [core = core_](caf::actor_system& sys) {
    return sys.spawn(detail::inspection_server, core);
  };
  auto served = published_server(std::move(ps));
  endpoint_ = runnable::event_based(
    [core = core_, served](caf::event_based_actor* self, context& ctx) -> caf::behavior {
      auto root = core->opts.root;
      if (root.empty()) { // the top of the tree this endpoint runs in
        auto& dn = ctx.dn();
        root = dn.substr(0, dn.find('.'));
      }
      core->set_root(std::move(root));
      return served.event_body()(self, ctx);
    });
}

inspection::~inspection() = default;

runnable inspection::endpoint() const {
  return endpoint_;
}

size_t inspection::followers() const noexcept {
  return core_->followers.load();
}

uint64_t inspection::dropped_followers() const noexcept {
  return core_->dropped_followers.load();
}

uint64_t inspection::recorded() const noexcept {
  return core_->ring.appended();
}

void inspection::on_event(const event& ev) {
  if (core_->followers.load(std::memory_order_relaxed) != 0)
    core_->ring.push(ev);
}

void inspection::on_state(const std::string& dn, node_state s) {
  if (core_->followers.load(std::memory_order_relaxed) != 0)
    core_->ring.push_state(dn, s);
}

std::shared_ptr<inspection> make_inspection(inspection_options opts) {
  return std::make_shared<inspection>(std::move(opts));
}

} // namespace supervise::actors
