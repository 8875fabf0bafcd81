#include "core/base/servicethread.h"

#include "core/base/baselog.h"

#include <exception>

namespace millrace {

namespace {

// Runs a service hook, turning any exception into the service's failed() signal.
template <typename Hook> void runGuarded(Service *service, const char *what, Hook hook)
{
    try {
        hook();
    } catch (const std::exception &e) {
        const QString message =
            QStringLiteral("%1 %2 failed: %3")
                .arg(service->objectName(), QLatin1String(what), QString::fromLocal8Bit(e.what()));
        qCWarning(lcBase).noquote() << message;
        Q_EMIT service->failed(message);
    } catch (...) {
        const QString message = QStringLiteral("%1 %2 failed: unknown exception")
                                    .arg(service->objectName(), QLatin1String(what));
        qCWarning(lcBase).noquote() << message;
        Q_EMIT service->failed(message);
    }
}

} // namespace

ServiceThread::ServiceThread(Service *service, const QString &name, QObject *parent)
    : QObject(parent), m_service(service)
{
    Q_ASSERT(service && !service->parent());
    m_thread.setObjectName(name);
    service->setObjectName(name);
    service->moveToThread(&m_thread);
    connect(&m_thread, &QThread::started, service,
            [service] { runGuarded(service, "start", [service] { service->start(); }); });
}

ServiceThread::~ServiceThread()
{
    stop();
    // A service whose thread never ran is deleted here, on the thread that owns it now.
    delete m_service.data();
}

void ServiceThread::start()
{
    if (!m_thread.isRunning())
        m_thread.start();
}

void ServiceThread::stop()
{
    if (!m_thread.isRunning())
        return;
    Service *service = m_service;
    // stop() and the delete run on the service's own thread, after whatever it had queued.
    QMetaObject::invokeMethod(
        service,
        [service] {
            runGuarded(service, "stop", [service] { service->stop(); });
            delete service;
            QThread::currentThread()->quit();
        },
        Qt::QueuedConnection);
    m_thread.wait();
}

} // namespace millrace
