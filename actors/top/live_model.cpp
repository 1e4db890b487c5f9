// live_model.cpp — snapshots, rates and events under one lock.
#include "live_model.hpp"

#include <algorithm>

namespace supervise::top {

live_model::live_model(std::vector<std::string> addresses, size_t kept_events)
  : kept_events_(kept_events), history_(addresses.size()) {
  for (auto& a : addresses) {
    endpoint_view e;
    e.address = std::move(a);
    view_.endpoints.push_back(std::move(e));
  }
}

live_view live_model::view() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return view_;
}

uint64_t live_model::version() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return view_.version;
}

void live_model::connected(size_t index, const hello_reply& hello) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto& e = view_.endpoints.at(index);
  e.root = hello.root;
  e.connected = true;
  e.lost.clear();
  ++view_.version;
}

void live_model::snapshot(size_t index, snapshot_reply snap) {
  snapshot_at(index, std::move(snap), std::chrono::steady_clock::now());
}

void live_model::snapshot_at(size_t index, snapshot_reply snap, steady_time now) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto& e = view_.endpoints.at(index);
  auto& hist = history_.at(index);
  std::map<std::string, std::deque<restart_sample>> kept;
  e.rates.assign(snap.nodes.size(), 0.0);
  for (size_t i = 0; i < snap.nodes.size(); ++i) {
    auto& n = snap.nodes[i];
    auto samples = std::move(hist[n.dn]);
    if (!samples.empty() && samples.back().restarts > n.restarts)
      samples.clear(); // counted from 0 again: another tree serves the port
    samples.push_back({now, n.restarts});
    // Keep one sample at or before the window's start as the baseline.
    while (samples.size() > 1 && samples[1].at <= now - rate_window)
      samples.pop_front();
    auto& base = samples.front();
    std::chrono::duration<double> span = now - base.at;
    // At least a second: two snapshots 0.1 s apart with one restart are not 10/s.
    auto seconds = std::max(span.count(), 1.0);
    e.rates[i] = static_cast<double>(n.restarts - base.restarts) / seconds;
    kept[n.dn] = std::move(samples);
  }
  hist = std::move(kept);
  e.snap = std::move(snap);
  e.received = now;
  ++view_.version;
}

void live_model::events(size_t index, follow_reply batch) {
  std::lock_guard<std::mutex> guard{mtx_};
  view_.endpoints.at(index).dropped += batch.dropped;
  for (auto& ev : batch.events) {
    view_.events.push_back({index, std::move(ev)});
    ++view_.events_total;
  }
  while (view_.events.size() > kept_events_)
    view_.events.pop_front();
  ++view_.version;
}

void live_model::lost(size_t index, const std::string& why) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto& e = view_.endpoints.at(index);
  e.connected = false;
  e.lost = why;
  ++view_.version;
}

} // namespace supervise::top
