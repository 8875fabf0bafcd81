#include "ui/panels/serving/threadretirer.h"

#include "core/base/servicethread.h"

#include <QFutureWatcher>
#include <QtConcurrent/QtConcurrentRun>

namespace millrace::ui {

ServiceThreadRetirer::ServiceThreadRetirer(const QString &name, QObject *parent) : QObject(parent)
{
    m_joiner.setMaxThreadCount(1);
    m_joiner.setObjectName(name);
}

ServiceThreadRetirer::~ServiceThreadRetirer()
{
    waitAll();
}

void ServiceThreadRetirer::retire(ServiceThread *thread, std::function<void()> stopped)
{
    m_stopping.append(thread);
    auto *watcher = new QFutureWatcher<void>(this);
    connect(watcher, &QFutureWatcherBase::finished, this,
            [this, watcher, thread, stopped = std::move(stopped)] {
                watcher->deleteLater();
                if (!m_stopping.removeOne(thread))
                    return; // waitAll() got there first
                delete thread;
                if (stopped)
                    stopped();
            });
    watcher->setFuture(QtConcurrent::run(&m_joiner, [thread] { thread->stop(); }));
}

void ServiceThreadRetirer::waitAll()
{
    m_joiner.waitForDone();
    // Their finished() is not wanted any more: the threads they watched are deleted here.
    qDeleteAll(findChildren<QFutureWatcherBase *>(Qt::FindDirectChildrenOnly));
    qDeleteAll(m_stopping);
    m_stopping.clear();
}

} // namespace millrace::ui
