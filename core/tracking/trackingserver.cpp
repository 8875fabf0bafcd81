#include "core/tracking/trackingserver.h"

#include "core/tracking/restapi.h"
#include "core/tracking/trackinglog.h"

#include <QCoreApplication>
#include <QHttpServer>

namespace millrace::tracking {

TrackingServer::TrackingServer(TrackingStore &tracking, QHostAddress address, quint16 port,
                               QList<RestEndpoint> endpoints)
    : m_tracking(tracking), m_address(std::move(address)), m_requestedPort(port),
      m_endpoints(std::move(endpoints))
{
}

TrackingServer::~TrackingServer() = default;

void TrackingServer::start()
{
    m_api = std::make_unique<RestApi>(m_tracking, m_endpoints);
    m_server = std::make_unique<QHttpServer>();
    m_api->registerRoutes(*m_server, m_address.isLoopback());
    const quint16 port = m_server->listen(m_address, m_requestedPort);
    if (port == 0) {
        const QString message = QStringLiteral("the tracking server cannot listen on %1:%2 (is "
                                               "the port in use? choose another with "
                                               "--tracking-port)")
                                    .arg(m_address.toString())
                                    .arg(m_requestedPort);
        qCWarning(lcTracking).noquote() << message;
        m_server.reset();
        Q_EMIT failed(message);
        return;
    }
    m_port = port;
    qCInfo(lcTracking).noquote()
        << "MLflow-compatible tracking API on"
        << QStringLiteral("http://%1:%2").arg(m_address.toString()).arg(port);
    Q_EMIT listening(port);
}

void TrackingServer::stop()
{
    // Requests in flight finish and their answers go out before the server they answer
    // through is deleted; then the handlers go.
    if (m_api)
        m_api->waitForRequests();
    if (m_server)
        QCoreApplication::sendPostedEvents(m_server.get(), QEvent::MetaCall);
    m_server.reset();
    m_api.reset();
    m_port = 0;
}

} // namespace millrace::tracking
