#pragma once

#include "ui/panels/streams/streamsoperations.h"

#include <QDialog>
#include <QPointer>

QT_BEGIN_NAMESPACE
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
QT_END_NAMESPACE

namespace millrace {
class Job;
}

namespace millrace::ui {

/// Create Topic…: a name, partitions, replication factor (up to the broker count) and
/// retention. Creates the topic off the GUI thread and closes once the cluster has it; a
/// refusal (a name taken, too many replicas) stays in the dialog.
class CreateTopicDialog : public QDialog
{
    Q_OBJECT
public:
    /// `brokerCount` bounds the replication factor; `embedded` notes that the embedded broker
    /// keeps everything in memory and ignores retention.
    CreateTopicDialog(EndpointSource endpoint, int brokerCount, bool embedded,
                      QWidget *parent = nullptr);
    ~CreateTopicDialog() override;

    /// The topic as asked for.
    streams::TopicSpec spec() const;

    /// Creates the topic; the dialog closes when it exists.
    void accept() override;

Q_SIGNALS:
    /// The topic `name` was created.
    void topicCreated(const QString &name);

private:
    void update();

    EndpointSource m_endpoint;
    QPointer<Job> m_job;
    QLineEdit *m_name;
    QSpinBox *m_partitions;
    QSpinBox *m_replication;
    QComboBox *m_retention;
    QLabel *m_message;
    QPushButton *m_create;
};

/// Delete Topic…: says what goes (the topic and its messages) and deletes only once the
/// topic's name is typed; the deletion runs off the GUI thread and a refusal stays in the
/// dialog.
class DeleteTopicDialog : public QDialog
{
    Q_OBJECT
public:
    DeleteTopicDialog(EndpointSource endpoint, const QString &topic, std::int64_t messages,
                      QWidget *parent = nullptr);
    ~DeleteTopicDialog() override;

    /// Deletes the topic when its name was typed.
    void accept() override;

Q_SIGNALS:
    /// The topic was deleted.
    void topicDeleted(const QString &name);

private:
    EndpointSource m_endpoint;
    QString m_topic;
    QPointer<Job> m_job;
    QLineEdit *m_confirmation;
    QLabel *m_message;
    QPushButton *m_delete;
};

} // namespace millrace::ui
