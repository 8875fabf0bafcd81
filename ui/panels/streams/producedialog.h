#pragma once

#include "core/base/cancellation.h"
#include "ui/panels/streams/streamsoperations.h"

#include <QDialog>
#include <QPointer>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QRadioButton;
class QSpinBox;
class QTableWidget;
QT_END_NAMESPACE

namespace millrace {
class Job;
}

namespace millrace::ui {

/// Produce…: a topic, a key, the value typed or read from a file (one message per line or the
/// whole file), a partition (automatic or a number), headers and how many times to send. Sends
/// off the GUI thread with a progress bar and Cancel, then shows the delivery report: how many
/// were delivered, where (partition and offsets) and the first failure. Stays open for more.
class ProduceDialog : public QDialog
{
    Q_OBJECT
public:
    /// Offers `topics`, with `topic` chosen.
    ProduceDialog(EndpointSource endpoint, const QStringList &topics, const QString &topic,
                  QWidget *parent = nullptr);
    ~ProduceDialog() override;

    /// What Send would send now.
    ProduceRequest request() const;
    /// Whether a send is running.
    bool isSending() const;

Q_SIGNALS:
    /// A send ended with `delivered` messages stored in `topic`.
    void produced(const QString &topic, qint64 delivered);

private:
    void send();
    void showOutcome(const ProduceOutcome &outcome);
    void showError(const QString &message);
    void updateControls();

    EndpointSource m_endpoint;
    QPointer<Job> m_job;
    CancellationSource m_cancelSend;
    QComboBox *m_topic;
    QLineEdit *m_key;
    QRadioButton *m_typed;
    QRadioButton *m_fromFile;
    QPlainTextEdit *m_value;
    QLineEdit *m_file;
    QPushButton *m_browse;
    QCheckBox *m_onePerLine;
    QSpinBox *m_partition;
    QTableWidget *m_headers;
    QSpinBox *m_count;
    QProgressBar *m_progress;
    QPushButton *m_cancel;
    QLabel *m_report;
    QPushButton *m_send;
};

} // namespace millrace::ui
