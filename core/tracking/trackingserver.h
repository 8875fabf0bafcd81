#pragma once

#include "core/base/servicethread.h"
#include "core/tracking/restarguments.h"

#include <QHostAddress>
#include <QList>

#include <atomic>
#include <memory>

QT_BEGIN_NAMESPACE
class QHttpServer;
QT_END_NAMESPACE

namespace millrace::tracking {

class RestApi;
class TrackingStore;

/// Serves the MLflow-compatible REST API on its own thread (run it with a ServiceThread).
/// Binds 127.0.0.1 unless told otherwise; port 0 picks a free port. Emits listening() with the
/// port once it accepts connections, or failed() when the address cannot be bound. `endpoints`
/// are served beside the tracking API (the model registry's, for one).
class TrackingServer : public Service
{
    Q_OBJECT
public:
    TrackingServer(TrackingStore &tracking, QHostAddress address, quint16 port,
                   QList<RestEndpoint> endpoints = {});
    ~TrackingServer() override;

    void start() override;
    void stop() override;
    /// The port it listens on, 0 before it does. Safe from any thread.
    quint16 port() const { return m_port.load(); }

Q_SIGNALS:
    void listening(quint16 port);

private:
    TrackingStore &m_tracking;
    const QHostAddress m_address;
    const quint16 m_requestedPort;
    const QList<RestEndpoint> m_endpoints;
    std::atomic<quint16> m_port{0};
    std::unique_ptr<RestApi> m_api;
    std::unique_ptr<QHttpServer> m_server;
};

} // namespace millrace::tracking
