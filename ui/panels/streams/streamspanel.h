#pragma once

#include "core/streams/streamsservice.h"
#include "ui/panels/streams/secretaccess.h"
#include "ui/panels/streams/streamsoperations.h"

#include <QPointer>
#include <QSet>
#include <QThreadPool>
#include <QWidget>

QT_BEGIN_NAMESPACE
class QAction;
class QCheckBox;
class QDialog;
class QLabel;
class QLineEdit;
class QModelIndex;
class QTabWidget;
class QToolBar;
class QTreeView;
QT_END_NAMESPACE

namespace millrace {
class Job;
class Session;
namespace streams {
class ProfileStore;
}
} // namespace millrace

namespace millrace::ui {

class BatchesView;
class ConnectionBar;
class GroupLagModel;
class MessageBrowserView;
class SimulatorControls;
class ThroughputChart;
class TopicFilterModel;
class TopicTreeModel;

/// The Streams panel: the cluster in use and its state on top (the embedded broker or a saved
/// profile; a red banner while it is unreachable); on the left its topics with their
/// partitions, message counts and rates (internal ones behind a toggle, a filter, create /
/// delete / produce), and the consumer groups with their lag per partition; on the right live
/// charts of messages/s and lag with the stream simulator's controls. The streams service
/// pushes snapshots to it; every action runs off the GUI thread on a copy of the service's
/// endpoint.
class StreamsPanel : public QWidget
{
    Q_OBJECT
public:
    explicit StreamsPanel(QWidget *parent = nullptr);
    ~StreamsPanel() override;

    /// Shows the streams of `session` (its service may be null: streams are off), which must
    /// outlive detachSession().
    void attachSession(Session &session);
    /// Shows the cluster `service` keeps in view (null: none runs) with the profiles of
    /// `profiles` and passwords through `secrets`; both must outlive detachSession().
    void attach(streams::StreamsService *service, streams::ProfileStore &profiles,
                SecretAccess secrets);
    /// Lets go of the session: closes dialogs and waits for profile reads and writes.
    void detachSession();

    /// Selects topic `name` in the tree, now or once it is listed.
    void showTopic(const QString &name);
    /// The topic selected in the tree (that of a selected partition too), or empty.
    QString currentTopic() const;
    /// The latest snapshot shown.
    const streams::StreamsSnapshot &snapshot() const { return m_snapshot; }

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

Q_SIGNALS:
    /// A link to a run was clicked (a batch's training run): the main window shows it.
    void showRunRequested(const QString &experimentId, const QString &runId);
    /// The cluster's state in a few words for the status bar ("Broker: embedded (not
    /// durable)", "Broker: production is down").
    void statusChanged(const QString &text);

private:
    QWidget *createTopicSide();
    QWidget *createTrafficTab();
    void createActions();
    void onSnapshot(const streams::StreamsSnapshot &snapshot);
    void onEndpointChanged(const QString &label, bool embedded, const QString &bootstrapServers);
    void chooseProfile(const QString &id);
    void loadProfiles();
    void manageProfiles();
    void createTopic();
    void deleteTopic();
    void produce();
    void refreshNow();
    void updateActions();
    void updateTopicStatus();
    void openDialog(QDialog *dialog);
    void fitNameColumn(QTreeView *view, int nameColumn, int columnCount);
    EndpointSource endpointSource() const;
    QString statusSummary() const;

    ConnectionBar *m_connection;
    TopicTreeModel *m_topics;
    TopicFilterModel *m_filteredTopics;
    GroupLagModel *m_groups;
    QTreeView *m_topicView;
    QTreeView *m_groupView;
    QLineEdit *m_topicFilter;
    QCheckBox *m_showInternal;
    QLabel *m_topicStatus;
    QToolBar *m_toolBar;
    QAction *m_createTopic;
    QAction *m_deleteTopic;
    QAction *m_produce;
    QAction *m_browse;
    QAction *m_refresh;
    QTabWidget *m_tabs;
    ThroughputChart *m_chart;
    SimulatorControls *m_simulator;
    MessageBrowserView *m_browser;
    BatchesView *m_batchesView;

    QPointer<streams::StreamsService> m_service;
    streams::ProfileStore *m_profiles = nullptr;
    SecretAccess m_secrets;
    bool m_attached = false;
    /// Profile reads and writes hold the store: they run here, and detach waits for them.
    QThreadPool m_pool;
    QPointer<Job> m_profilesJob;
    QList<QPointer<QDialog>> m_dialogs;
    QList<QMetaObject::Connection> m_serviceConnections;

    streams::StreamsSnapshot m_snapshot;
    bool m_haveSnapshot = false;
    QString m_selectOnArrival;
    QSet<QString> m_watchedGroups;
    int m_minimumNameWidth = 120;
};

} // namespace millrace::ui
