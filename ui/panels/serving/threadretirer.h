#pragma once

#include <QList>
#include <QObject>
#include <QThreadPool>

#include <functional>

namespace millrace {
class ServiceThread;
}

namespace millrace::ui {

/// Ends service threads without the GUI thread waiting: ServiceThread::stop() (which joins the
/// thread, seconds perhaps) runs on a worker of its own, then the thread is deleted back on the
/// owner's thread and the caller hears of it. The serving and predictor controllers each own one.
class ServiceThreadRetirer : public QObject
{
    Q_OBJECT
public:
    /// `name` names the worker thread, e.g. "serving-stop".
    ServiceThreadRetirer(const QString &name, QObject *parent = nullptr);
    /// Waits for the threads still stopping (waitAll()).
    ~ServiceThreadRetirer() override;

    /// Stops and deletes `thread` (taking it over); then calls `stopped` on this object's thread,
    /// unless waitAll() got there first.
    void retire(ServiceThread *thread, std::function<void()> stopped);
    /// Waits for every thread still stopping and deletes it, without calling back: for when the
    /// owner goes away or must know they ended (before the registry they read closes).
    void waitAll();
    /// Whether no thread is stopping.
    bool idle() const { return m_stopping.isEmpty(); }

private:
    QList<ServiceThread *> m_stopping;
    QThreadPool m_joiner;
};

} // namespace millrace::ui
