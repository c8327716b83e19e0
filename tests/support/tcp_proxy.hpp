#pragma once

// A TCP proxy of the test's own on 127.0.0.1, in front of a server port, that can turn into a
// black hole: connections stay open but nothing crosses in either direction, as on a cut network
// path that TCP does not report; what was sent meanwhile arrives once it is lifted, as TCP's
// retransmissions would deliver it. Closing one side closes its pair.
#include <arpa/inet.h>
#include <atomic>
#include <cerrno>
#include <map>
#include <netinet/in.h>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace acme::test {

class TcpProxy {
public:
  explicit TcpProxy(int upstream_port) : m_upstream(upstream_port) {
    m_listen = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(m_listen, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    if (::bind(m_listen, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(m_listen, 16) != 0) {
      throw std::runtime_error("tcp proxy: cannot listen");
    }
    socklen_t len = sizeof a;
    ::getsockname(m_listen, reinterpret_cast<sockaddr*>(&a), &len);
    m_port = ntohs(a.sin_port);
    m_thread = std::thread([this] { loop(); });
  }
  ~TcpProxy() {
    m_stop = true;
    m_thread.join();
    for (const auto& [fd, peer] : m_pairs) {
      ::close(fd);
    }
    ::close(m_listen);
  }
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  int port() const { return m_port; }
  // Stops (true) or resumes (false) forwarding.
  void blackhole(bool on) { m_blackhole = on; }

private:
  int connect_upstream() const {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<std::uint16_t>(m_upstream));
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd);
      return -1;
    }
    return fd;
  }
  void close_pair(int fd) {
    const auto it = m_pairs.find(fd);
    if (it == m_pairs.end()) {
      return;
    }
    const int peer = it->second;
    m_pairs.erase(fd);
    m_pairs.erase(peer);
    ::close(fd);
    ::close(peer);
  }
  void loop() {
    std::vector<char> buffer(65536);
    while (!m_stop) {
      std::vector<pollfd> fds{{m_listen, POLLIN, 0}};
      if (!m_blackhole) {
        for (const auto& [fd, peer] : m_pairs) {
          fds.push_back({fd, POLLIN, 0});
        }
      }
      if (::poll(fds.data(), fds.size(), 50) <= 0) {
        continue;
      }
      for (const auto& p : fds) {
        if (p.revents == 0) {
          continue;
        }
        if (p.fd == m_listen) {
          const int client = ::accept(m_listen, nullptr, nullptr);
          const int server = client >= 0 ? connect_upstream() : -1;
          if (server < 0) {
            if (client >= 0) {
              ::close(client);
            }
            continue;
          }
          m_pairs[client] = server;
          m_pairs[server] = client;
          continue;
        }
        if (m_pairs.count(p.fd) == 0) {
          continue; // closed with its pair in this round
        }
        const ssize_t n = ::read(p.fd, buffer.data(), buffer.size());
        if (n <= 0) {
          close_pair(p.fd);
          continue;
        }
        const int peer = m_pairs[p.fd];
        for (ssize_t sent = 0; sent < n;) {
          const ssize_t w = ::write(peer, buffer.data() + sent, static_cast<size_t>(n - sent));
          if (w <= 0) {
            break;
          }
          sent += w;
        }
      }
    }
  }

  int m_upstream;
  int m_listen = -1;
  int m_port = 0;
  std::atomic<bool> m_stop{false};
  std::atomic<bool> m_blackhole{false};
  std::map<int, int> m_pairs; // only the proxy's thread touches it after construction
  std::thread m_thread;
};

} // namespace acme::test
