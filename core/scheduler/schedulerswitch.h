#pragma once

#include <QObject>
#include <QString>

#include <optional>

namespace millrace {

class Store;

/// One of the workspace-wide scheduler switches the toolbar shows, persisted in the workspace
/// database so it survives restarts: Start/Pause of scheduled updates (a new workspace starts
/// running), or the demo speed that runs DAGs on their demo_schedule (off unless the example
/// pipeline turned it on). Reads and writes run off the owner's thread; the owner hears the
/// outcome as signals.
class SchedulerSwitch : public QObject
{
    Q_OBJECT
public:
    enum class Kind { ScheduledUpdates, DemoSpeed };

    /// `store` must outlive this object.
    explicit SchedulerSwitch(Store &store, Kind kind = Kind::ScheduledUpdates,
                             QObject *parent = nullptr);

    /// Reads the persisted state; stateChanged() follows once it is known.
    void load();
    /// Persists a new state; stateChanged() follows once it is committed, failed() if it is not.
    void setOn(bool on);
    /// The last state known to be persisted, or nothing before load() finished.
    std::optional<bool> isOn() const { return m_on; }
    Kind kind() const { return m_kind; }

    /// The app_state key that holds the Start/Pause switch ("running" or "paused").
    static QString stateKey();

Q_SIGNALS:
    void stateChanged(bool on);
    void failed(const QString &message);

private:
    void apply(bool on);

    Store &m_store;
    Kind m_kind;
    std::optional<bool> m_on;
};

} // namespace millrace
