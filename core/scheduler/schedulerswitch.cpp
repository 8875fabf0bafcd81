#include "core/scheduler/schedulerswitch.h"

#include "core/scheduler/schedulerlog.h"
#include "core/scheduler/schedulerservice.h"
#include "core/store/appstate.h"
#include "core/store/store.h"

namespace millrace {

namespace {

// How a switch is stored: its app_state key, the values it writes, and its state when unset.
struct Stored
{
    QString key;
    QString onValue;
    QString offValue;
    bool unsetMeansOn;
};

Stored storedAs(SchedulerSwitch::Kind kind)
{
    if (kind == SchedulerSwitch::Kind::DemoSpeed)
        return {scheduler::SchedulerService::demoSpeedKey(), QStringLiteral("on"),
                QStringLiteral("off"), false};
    return {SchedulerSwitch::stateKey(), QStringLiteral("running"), QStringLiteral("paused"), true};
}

} // namespace

SchedulerSwitch::SchedulerSwitch(Store &store, Kind kind, QObject *parent)
    : QObject(parent), m_store(store), m_kind(kind)
{
}

QString SchedulerSwitch::stateKey()
{
    return QStringLiteral("scheduler.state");
}

void SchedulerSwitch::load()
{
    m_store
        .readAsync([stored = storedAs(m_kind)](SQLite::Database &db) {
            const std::optional<QString> value = appstate::get(db, stored.key);
            if (!value)
                return stored.unsetMeansOn;
            // Anything but the off value counts as on for Start/Pause (as the scheduler reads
            // it), only the on value for demo speed.
            return stored.unsetMeansOn ? *value != stored.offValue : *value == stored.onValue;
        })
        .then(this, [this](const Result<bool> &on) {
            if (!on) {
                Q_EMIT failed(on.errorMessage());
                return;
            }
            apply(*on);
        });
}

void SchedulerSwitch::setOn(bool on)
{
    m_store
        .write([on, stored = storedAs(m_kind)](SQLite::Database &db) {
            appstate::set(db, stored.key, on ? stored.onValue : stored.offValue);
        })
        .then(this, [this, on](const Result<void> &written) {
            const char *what = m_kind == Kind::DemoSpeed ? "the demo speed" : "the scheduler state";
            if (!written) {
                qCWarning(lcScheduler).noquote()
                    << QStringLiteral("could not save %1: %2")
                           .arg(QLatin1String(what), written.errorMessage());
                Q_EMIT failed(written.errorMessage());
                return;
            }
            if (m_kind == Kind::DemoSpeed)
                qCInfo(lcScheduler) << "demo speed" << (on ? "on" : "off");
            else
                qCInfo(lcScheduler) << "scheduled updates" << (on ? "started" : "paused");
            apply(on);
        });
}

void SchedulerSwitch::apply(bool on)
{
    m_on = on;
    Q_EMIT stateChanged(on);
}

} // namespace millrace
