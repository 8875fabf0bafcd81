#pragma once

#include "core/streams/connectionprofile.h"
#include "core/streams/streamsservice.h"

#include <QDateTime>
#include <QWidget>

#include <vector>

QT_BEGIN_NAMESPACE
class QComboBox;
class QLabel;
class QPushButton;
QT_END_NAMESPACE

namespace millrace::ui {

/// The top of the Streams panel: which cluster is in use (the embedded broker first, marked
/// not durable, then the saved profiles), its state (Connected / Connecting / Down) with the
/// address and broker count, Manage Profiles…, and a red banner while the cluster is
/// unreachable that says since when and why, gone once it answers again.
class ConnectionBar : public QWidget
{
    Q_OBJECT
public:
    explicit ConnectionBar(QWidget *parent = nullptr);

    /// The saved profiles to offer after the embedded broker, and the active one's id (empty:
    /// the embedded broker).
    void setProfiles(const std::vector<streams::ConnectionProfile> &profiles,
                     const QString &activeId);
    /// Shows the state of the latest snapshot. Returns false, showing nothing, for a snapshot of
    /// the cluster being left while switching to another (it was queued before the switch).
    bool setSnapshot(const streams::StreamsSnapshot &snapshot);
    /// Shows that the cluster is being switched to `label`.
    void setConnecting(const QString &label);
    /// Shows that no streams service runs (`reason` says why), or clears it with an empty one.
    void setUnavailable(const QString &reason);
    /// Turns the controls on or off (off while no session is attached).
    void setControlsEnabled(bool enabled);

    /// The id of the profile chosen (empty: the embedded broker).
    QString chosenProfileId() const;
    /// When the cluster was last seen going down; invalid while it is up.
    QDateTime downSince() const { return m_downSince; }

Q_SIGNALS:
    /// The user picked another cluster: profile `id`, or the embedded broker when empty.
    void profileChosen(const QString &id);
    /// Manage Profiles… was clicked.
    void manageProfilesRequested();

protected:
    void changeEvent(QEvent *event) override;

private:
    void updateState();
    void updateColours();

    QComboBox *m_profiles;
    QLabel *m_durability;
    QLabel *m_state;
    QLabel *m_details;
    QPushButton *m_manage;
    QLabel *m_banner;

    streams::StreamsSnapshot m_snapshot;
    bool m_haveSnapshot = false;
    bool m_connecting = false;
    QString m_connectingTo;
    QString m_unavailable;
    QDateTime m_downSince;
    bool m_filling = false;
};

} // namespace millrace::ui
