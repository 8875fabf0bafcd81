#include "core/scheduler/schedulerswitch.h"

#include "core/scheduler/schedulerlog.h"
#include "core/store/appstate.h"
#include "core/store/store.h"

namespace millrace {

namespace {
const QString kRunning = QStringLiteral("running");
const QString kPaused = QStringLiteral("paused");
} // namespace

SchedulerSwitch::SchedulerSwitch(Store &store, QObject *parent) : QObject(parent), m_store(store) {}

QString SchedulerSwitch::stateKey()
{
    return QStringLiteral("scheduler.state");
}

void SchedulerSwitch::load()
{
    m_store
        .readAsync([](SQLite::Database &db) {
            return appstate::get(db, stateKey()).value_or(kRunning) != kPaused;
        })
        .then(this, [this](const Result<bool> &running) {
            if (!running) {
                Q_EMIT failed(running.errorMessage());
                return;
            }
            apply(*running);
        });
}

void SchedulerSwitch::setRunning(bool running)
{
    m_store
        .write([running](SQLite::Database &db) {
            appstate::set(db, stateKey(), running ? kRunning : kPaused);
        })
        .then(this, [this, running](const Result<void> &written) {
            if (!written) {
                qCWarning(lcScheduler).noquote()
                    << "could not save the scheduler state:" << written.errorMessage();
                Q_EMIT failed(written.errorMessage());
                return;
            }
            qCInfo(lcScheduler) << "scheduled updates" << (running ? "started" : "paused");
            apply(running);
        });
}

void SchedulerSwitch::apply(bool running)
{
    m_running = running;
    Q_EMIT stateChanged(running);
}

} // namespace millrace
