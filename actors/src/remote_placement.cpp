#include "supervise/actors/remote_child.hpp"

#include "supervise/actors/errc.hpp"

namespace supervise::actors {

caf::expected<caf::actor> remote_placement::actor() const {
  std::lock_guard<std::mutex> guard{mtx_};
  if (!actor_)
    return make_error(actors_errc::not_running, "no incarnation runs");
  return actor_;
}

std::string remote_placement::node() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return node_;
}

uint64_t remote_placement::epoch() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return epoch_;
}

uint64_t remote_placement::starts() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return starts_;
}

remote_placement::view remote_placement::current() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return {actor_, node_, epoch_};
}

bool remote_placement::wait_starts(uint64_t n, std::chrono::nanoseconds d) const {
  std::unique_lock<std::mutex> guard{mtx_};
  return cv_.wait_for(guard, d, [&] { return starts_ >= n; });
}

void remote_placement::set(caf::actor child, std::string node, uint64_t epoch) {
  std::lock_guard<std::mutex> guard{mtx_};
  actor_ = std::move(child);
  node_ = std::move(node);
  epoch_ = epoch;
  ++starts_;
  cv_.notify_all();
}

void remote_placement::clear(uint64_t epoch) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (epoch_ == epoch) {
    actor_ = nullptr;
    node_.clear();
  }
}

} // namespace supervise::actors
