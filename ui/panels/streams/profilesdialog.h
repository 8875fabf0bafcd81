#pragma once

#include "core/streams/connectionprofile.h"
#include "ui/panels/streams/secretaccess.h"

#include <QDialog>
#include <QPointer>

#include <vector>

QT_BEGIN_NAMESPACE
class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QTableWidget;
class QThreadPool;
QT_END_NAMESPACE

namespace millrace {
class Job;
namespace streams {
class ProfileStore;
}
} // namespace millrace

namespace millrace::ui {

/// Manage Profiles…: the saved connection profiles on the left, the chosen one's settings on
/// the right (name, bootstrap servers, security protocol, SASL mechanism and user, a password
/// that goes to the system keychain and nowhere else, CA / certificate / key files, client id,
/// extra librdkafka properties), with Save, Remove and Test connection, which connects off the
/// GUI thread and says what failed: the address, authentication or TLS. Reads and writes run
/// in Jobs on `pool`; the store and the pool must outlive the dialog.
class ProfilesDialog : public QDialog
{
    Q_OBJECT
public:
    ProfilesDialog(streams::ProfileStore &profiles, SecretAccess secrets, QThreadPool *pool,
                   QWidget *parent = nullptr);
    ~ProfilesDialog() override;

    /// Whether a read, write or test is running (for tests).
    bool isBusy() const;

Q_SIGNALS:
    /// A profile was saved (`id`) or removed (`id` of the removed one); the list changed.
    void profilesChanged(const QString &id, bool removed);

private:
    QWidget *createForm();
    void load(const QString &select);
    void showProfile(int row);
    streams::ConnectionProfile profileFromForm() const;
    void updateFields();
    void updateButtons();
    void addProfile();
    void saveProfile();
    void removeProfile();
    void testConnection();
    void setMessage(const QString &text, bool error);
    void addPropertyRow(const QString &name, const QString &value);
    QWidget *fileField(QLineEdit *edit, const QString &title, const QString &filter);

    streams::ProfileStore &m_store;
    SecretAccess m_secrets;
    QThreadPool *m_pool;
    QPointer<Job> m_job;
    QPointer<Job> m_testJob;

    std::vector<streams::ConnectionProfile> m_saved;
    /// The profile being edited; an empty id until it is first saved.
    streams::ConnectionProfile m_current;

    QListWidget *m_list;
    QPushButton *m_add;
    QPushButton *m_remove;
    QLineEdit *m_name;
    QLineEdit *m_bootstrap;
    QComboBox *m_protocol;
    QComboBox *m_mechanism;
    QLineEdit *m_user;
    QLineEdit *m_password;
    QLineEdit *m_ca;
    QLineEdit *m_certificate;
    QLineEdit *m_key;
    QLineEdit *m_clientId;
    QTableWidget *m_properties;
    QPushButton *m_test;
    QPushButton *m_save;
    QLabel *m_message;
    QLabel *m_testResult;
};

} // namespace millrace::ui
