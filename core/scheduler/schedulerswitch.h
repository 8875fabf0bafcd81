#pragma once

#include <QObject>
#include <QString>

#include <optional>

namespace millrace {

class Store;

/// The workspace-wide Start/Pause switch for scheduled updates (the toolbar's), persisted in the
/// workspace database so it survives restarts. A new workspace starts running. Reads and writes
/// run off the owner's thread; the owner hears the outcome as signals.
class SchedulerSwitch : public QObject
{
    Q_OBJECT
public:
    /// `store` must outlive this object.
    explicit SchedulerSwitch(Store &store, QObject *parent = nullptr);

    /// Reads the persisted state; stateChanged() follows once it is known.
    void load();
    /// Persists a new state; stateChanged() follows once it is committed, failed() if it is not.
    void setRunning(bool running);
    /// The last state known to be persisted, or nothing before load() finished.
    std::optional<bool> isRunning() const { return m_running; }

    /// The app_state key that holds the switch.
    static QString stateKey();

Q_SIGNALS:
    void stateChanged(bool running);
    void failed(const QString &message);

private:
    void apply(bool running);

    Store &m_store;
    std::optional<bool> m_running;
};

} // namespace millrace
