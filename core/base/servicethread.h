#pragma once

#include <QObject>
#include <QPointer>
#include <QString>
#include <QThread>

namespace millrace {

/// A long-lived service that runs on a thread of its own (the scheduler loop, a Kafka consumer,
/// the serving front end). Subclasses do their set-up in start() and tear-down in stop(); both run
/// on the service's thread. Talk to a service only through queued signals and invokeMethod.
class Service : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

    /// Called on the service's thread once it runs.
    virtual void start() {}
    /// Called on the service's thread before it ends; release resources here.
    virtual void stop() {}

Q_SIGNALS:
    /// The service hit an error it could not recover from; `message` is one line for the user.
    void failed(const QString &message);
};

/// Owns the thread a Service runs on: start() moves the service there and calls its start();
/// stop() calls the service's stop() on that thread, deletes the service there and joins the
/// thread. An exception escaping start() or stop() becomes Service::failed, never a crash.
class ServiceThread : public QObject
{
    Q_OBJECT
public:
    /// Takes ownership of `service`, which must have no parent.
    ServiceThread(Service *service, const QString &name, QObject *parent = nullptr);
    ~ServiceThread() override;

    Service *service() const { return m_service; }
    bool isRunning() const { return m_thread.isRunning(); }
    void start();
    /// Stops the service and waits for its thread; safe to call twice.
    void stop();

private:
    QThread m_thread;
    QPointer<Service> m_service;
};

} // namespace millrace
