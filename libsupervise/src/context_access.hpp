// context_access.hpp (private) — the library's way between a `context` and
// the incarnation behind it.
//
// `context` keeps its constructor and its incarnation private so that users
// can neither build one nor reach the engine's state through it; this struct
// is its only friend. The engine makes a context for each incarnation it
// starts (make); the tree calls (context.cpp), the runnable actors and a
// hosted supervisor's engine read the incarnation back (impl). Both are plain
// member accesses: any thread, no lock, no failure (the context always holds
// an incarnation; whether that one has exited is the caller's check, under
// the incarnation's mutex).
#pragma once

#include <memory>
#include <utility>

#include "supervise/context_handle.hpp"

namespace supervise::detail {

struct incarnation;

struct context_access {
  /// The context a runnable of incarnation `inc` receives.
  static context make(std::shared_ptr<incarnation> inc) { return context{std::move(inc)}; }

  /// The incarnation `ctx` names (it lives as long as any copy of `ctx`).
  static incarnation& impl(const context& ctx) noexcept { return ctx.impl(); }
};

} // namespace supervise::detail
