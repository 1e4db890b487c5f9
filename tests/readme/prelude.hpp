// prelude.hpp — what the README's snippets take for granted, declared once,
// so that each snippet compiles as printed (tests/readme/snippets.cmake).
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include <boost/test/unit_test.hpp>
#include <caf/all.hpp>
#include <fmt/format.h>

#include "supervise/all.hpp"
#include "supervise/testing.hpp"

namespace readme {

using namespace std::chrono_literals;
using namespace supervise;

// The runnables the snippets supervise: any runnable would do.
inline caf::behavior db_runnable(caf::event_based_actor*, context& ctx) {
  signal(ctx, signal_type::healthy);
  return {[](int x) { return x; }};
}
inline caf::behavior cache_runnable(caf::event_based_actor* self, context& ctx) {
  return db_runnable(self, ctx);
}
inline caf::behavior root(caf::event_based_actor* self, context& ctx) {
  return db_runnable(self, ctx);
}
// A tree under test and an actor type its remote children start.
inline runnable my_tree() { return runnable::event_based(root); }
inline caf::behavior my_worker(caf::event_based_actor*) {
  return {[](int x) { return x; }};
}

} // namespace readme
