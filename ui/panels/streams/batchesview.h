#pragma once

#include "core/base/cancellation.h"
#include "ui/panels/streams/streamsoperations.h"

#include <QPointer>
#include <QThreadPool>
#include <QWidget>

QT_BEGIN_NAMESPACE
class QComboBox;
class QLabel;
class QModelIndex;
class QProgressBar;
class QPushButton;
class QTableView;
class QTimer;
QT_END_NAMESPACE

namespace millrace {
class Job;
namespace plugins {
class MessageCodec;
}
namespace tracking {
class TrackingStore;
}
} // namespace millrace

namespace millrace::ui {

class BatchListModel;
class DeadLetterModel;

/// The Streams panel's Batches tab: the batches drained from Kafka into the workspace, incoming
/// (waiting for training) and used (with a link to the run that trained on them), their topic,
/// offsets per partition, samples and dead letters, and the chosen batch's dead letters with
/// the reason each was refused. Drain Now drains a topic into a new batch as the pipeline's
/// consumer group, off the GUI thread with progress and Cancel. While visible the list follows
/// the workspace every few seconds.
class BatchesView : public QWidget
{
    Q_OBJECT
public:
    /// The consumer group Drain Now drains as: the pipeline's, whose lag the panel charts.
    static QString drainGroup();

    explicit BatchesView(QWidget *parent = nullptr);
    /// Cancels a drain and waits for the reads still running.
    ~BatchesView() override;

    /// Lists the batches of the workspace at `workspaceRoot`, looks their runs up in `tracking`
    /// and drains from `endpoint` with `codec` (null: Drain Now says there is no JSON codec).
    /// The tracking store and the codec must outlive detach().
    void attach(const QString &workspaceRoot, const tracking::TrackingStore *tracking,
                const plugins::MessageCodec *codec, EndpointSource endpoint);
    /// Cancels a drain, drops pending results and waits for the jobs still running.
    void detach();

    /// The topics Drain Now offers.
    void setTopics(const QStringList &topics);
    /// Chooses the topic to drain.
    void setTopic(const QString &topic);
    /// Reads the batches again now.
    void reload();
    /// Whether a drain runs.
    bool isDraining() const;

Q_SIGNALS:
    /// The run link of a used batch was clicked.
    void showRunRequested(const QString &experimentId, const QString &runId);
    /// A drain ended (the lag and the topic's group offsets moved).
    void drainFinished();

protected:
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    void drainNow();
    void onBatchClicked(const QModelIndex &index);
    void loadDeadLetters();
    void updateControls();
    void setStatus(const QString &text, bool error = false);

    QString m_root;
    const tracking::TrackingStore *m_tracking = nullptr;
    const plugins::MessageCodec *m_codec = nullptr;
    EndpointSource m_endpoint;
    bool m_attached = false;

    /// Reads hold the tracking store and drains the codec: detach waits for both here.
    QThreadPool m_pool;
    QPointer<Job> m_loadJob;
    QPointer<Job> m_drainJob;
    QPointer<Job> m_lettersJob;
    CancellationSource m_cancelDrain;
    QString m_selectOnArrival;
    bool m_reloadAgain = false;
    bool m_drainAfterLoad = false;

    BatchListModel *m_batches;
    DeadLetterModel *m_letters;
    QTimer *m_poll;

    QComboBox *m_topic;
    QPushButton *m_drain;
    QProgressBar *m_progress;
    QPushButton *m_cancel;
    QLabel *m_status;
    QTableView *m_table;
    QLabel *m_lettersHeading;
    QTableView *m_letterTable;
};

} // namespace millrace::ui
