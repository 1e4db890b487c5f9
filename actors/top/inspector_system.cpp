// inspector_system.cpp — prepare_distribution for an inspector.
#include "inspector_system.hpp"

#include "supervise/actors/distribution.hpp"
#include "supervise/actors/errc.hpp"
#include "supervise/errc.hpp"

namespace supervise::top {

std::unique_ptr<inspector_system> inspector_system::make(const top_options& opts,
                                                          std::string& error) {
  std::unique_ptr<inspector_system> x{new inspector_system};
  auto& cfg = x->cfg_;
  cfg.set("scheduler.max-threads", 2);
  // A shared queue whose idle workers sleep: an inspector handles a few
  // messages per second, and work stealing's workers poll (about 25 ms of
  // spinning per job) after each of them.
  cfg.set("scheduler.policy", caf::atom("sharing"));
  cfg.set("logger.console", caf::atom("none"));
  actors::distribution_options dopts;
  dopts.insecure = !opts.tls();
  if (opts.tls()) {
    cfg.set("openssl.certificate", opts.tls_certificate);
    cfg.set("openssl.key", opts.tls_key);
    cfg.set("openssl.cafile", opts.tls_ca);
  }
  actors::name_category();
  if (auto err = actors::prepare_distribution(cfg, dopts)) {
    error = render(err);
    return nullptr;
  }
  x->sys_ = std::make_unique<caf::actor_system>(cfg);
  return x;
}

} // namespace supervise::top
