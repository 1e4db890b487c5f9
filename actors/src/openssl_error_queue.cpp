// openssl_error_queue.cpp — clears OpenSSL's error queue before every TLS
// read and write of this process, as OpenSSL requires.
//
// SSL_get_error() reads the calling thread's error queue, so OpenSSL asks
// callers to empty it before each TLS I/O call. CAF 0.17's openssl module
// never does. With OpenSSL 3, a peer that dies (kill -9) leaves an entry in
// the queue of CAF's multiplexer thread, which serves every connection; the
// next read on another, healthy connection that merely has no data yet is
// then reported as a fatal SSL error, and CAF closes that connection too.
// Measured: one node process killed dropped the TLS connections to every
// other node (and so restarted all their remote children).
//
// The fix: this file defines SSL_read, SSL_write, SSL_accept and
// SSL_connect (the I/O calls CAF checks with SSL_get_error). The program's own
// definitions come first in the dynamic linker's lookup, so CAF's calls
// land here; each clears the queue and calls OpenSSL's function (the next
// definition, found with dlsym(RTLD_NEXT)). prepare_distribution() refers to
// this file, so every program that takes part in distribution links it.
#include <dlfcn.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace {

template <class Fn>
Fn next_definition(const char* name) {
  static_assert(sizeof(Fn) == sizeof(void*));
  void* sym = dlsym(RTLD_NEXT, name);
  Fn fn;
  __builtin_memcpy(&fn, &sym, sizeof(fn));
  return fn;
}

using io_fn = int (*)(SSL*, void*, int);
using write_fn = int (*)(SSL*, const void*, int);
using handshake_fn = int (*)(SSL*);

} // namespace

extern "C" {

int SSL_read(SSL* ssl, void* buf, int num) {
  static const auto real = next_definition<io_fn>("SSL_read");
  ERR_clear_error();
  return real(ssl, buf, num);
}

int SSL_write(SSL* ssl, const void* buf, int num) {
  static const auto real = next_definition<write_fn>("SSL_write");
  ERR_clear_error();
  return real(ssl, buf, num);
}

int SSL_accept(SSL* ssl) {
  static const auto real = next_definition<handshake_fn>("SSL_accept");
  ERR_clear_error();
  return real(ssl);
}

int SSL_connect(SSL* ssl) {
  static const auto real = next_definition<handshake_fn>("SSL_connect");
  ERR_clear_error();
  return real(ssl);
}

} // extern "C"

namespace supervise::actors::detail {

/// Referenced by prepare_distribution(): links this file into every program
/// that takes part in distribution.
bool openssl_error_queue_cleared() noexcept { return true; }

} // namespace supervise::actors::detail
