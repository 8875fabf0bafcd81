#pragma once

#include <QDialog>

QT_BEGIN_NAMESPACE
class QDialogButtonBox;
class QLineEdit;
QT_END_NAMESPACE

namespace millrace::ui {

/// Asks for the scoring server's bearer token, masked as it is typed; at least 16 characters.
/// The dialog only takes the token: storing it in the keychain is the caller's.
class TokenDialog : public QDialog
{
    Q_OBJECT
public:
    explicit TokenDialog(QWidget *parent = nullptr);

    /// The token typed, trimmed.
    QString token() const;
    /// The shortest token taken (as `millrace serve token set`).
    static constexpr int kMinimumLength = 16;

private:
    QLineEdit *m_edit;
    QDialogButtonBox *m_buttons;
};

} // namespace millrace::ui
