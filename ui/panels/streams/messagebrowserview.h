#pragma once

#include "core/streams/messagebrowser.h"
#include "core/streams/messageexport.h"
#include "ui/panels/streams/streamsoperations.h"

#include <QPointer>
#include <QWidget>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QComboBox;
class QDateTimeEdit;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableView;
class QToolButton;
QT_END_NAMESPACE

namespace millrace {
class Job;
}

namespace millrace::ui {

class MessageTableModel;

/// The Streams panel's message browser: a topic and partition, where to start (newest,
/// oldest, an offset, a time), newest or oldest first, a filter (text, or a JSON predicate such
/// as `label == 3`) and a page size; Previous / Next page through without repeats or gaps. The
/// table shows partition, offset, timestamp, key and a preview of the value; the detail pane
/// renders the selected message as JSON, text or hex. Pages are read off the GUI thread with
/// Cancel, and say how many messages were scanned; a page exports to JSON or CSV.
class MessageBrowserView : public QWidget
{
    Q_OBJECT
public:
    explicit MessageBrowserView(QWidget *parent = nullptr);
    ~MessageBrowserView() override;

    /// Where pages are read from; an empty source turns browsing off (and drops a read).
    void setEndpointSource(EndpointSource source);
    /// The topics to offer, with their partitions.
    void setTopics(const std::vector<streams::TopicInfo> &topics);
    /// Chooses `topic` and reads its first page.
    void browse(const QString &topic);
    /// Reads the first page of what the controls say.
    void search();
    /// Whether a page is being read.
    bool isReading() const;
    /// The page number shown (1 for the first), 0 before any.
    int pageNumber() const { return m_pageNumber; }

private:
    enum class Direction { First, Next, Previous };

    QWidget *createControls();
    QWidget *createDetail();
    void fillPartitions();
    void read(Direction direction);
    void showPage(const streams::BrowsePage &page, Direction direction);
    void showDetail();
    void exportPage(streams::ExportFormat format);
    void updateControls();
    void setStatus(const QString &text, bool error = false);
    std::optional<streams::BrowseQuery> queryFromControls();

    EndpointSource m_endpoint;
    MessageTableModel *m_messages;
    QPointer<Job> m_job;
    QPointer<Job> m_exportJob;
    std::vector<streams::TopicInfo> m_topicInfo;

    streams::BrowseQuery m_query;
    streams::BrowsePage m_page; ///< the page shown, its messages in m_messages
    bool m_havePage = false;
    int m_pageNumber = 0;

    QComboBox *m_topic;
    QComboBox *m_partition;
    QCheckBox *m_newestFirst;
    QComboBox *m_start;
    QSpinBox *m_offset;
    QDateTimeEdit *m_time;
    QSpinBox *m_pageSize;
    QLineEdit *m_filter;
    QLabel *m_filterError;
    QPushButton *m_search;
    QTableView *m_table;
    QPushButton *m_previous;
    QPushButton *m_next;
    QLabel *m_status;
    QProgressBar *m_busy;
    QPushButton *m_cancel;
    QToolButton *m_export;
    QLabel *m_detailHeader;
    QComboBox *m_encoding;
    QPlainTextEdit *m_detail;
};

} // namespace millrace::ui
