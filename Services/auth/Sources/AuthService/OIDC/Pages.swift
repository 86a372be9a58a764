import HTTPClientKit

/// The provider's server-rendered pages: plain HTML forms that work without JavaScript, with
/// labels, landmarks and a language, so screen readers and keyboards work as they should.
/// Every dynamic value is HTML-escaped.
enum Pages {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    static func layout(title: String, _ content: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title)) · Hexabase</title>
        <style>
        body{font-family:system-ui,sans-serif;background:#f4f5f7;color:#1b1f24;margin:0}
        main{max-width:24rem;margin:4rem auto;background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 3px #0003}
        h1{font-size:1.4rem;margin-top:0}label{display:block;margin-top:1rem;font-weight:600}
        input{width:100%;box-sizing:border-box;padding:.6rem;margin-top:.3rem;font-size:1rem;border:1px solid #8a919b;border-radius:4px}
        button,.button{display:block;width:100%;margin-top:1.2rem;padding:.7rem;font-size:1rem;border:0;border-radius:4px;background:#0b5cad;color:#fff;text-align:center;text-decoration:none;cursor:pointer}
        button.secondary{background:#5b6370}.error{color:#a4161a;font-weight:600}hr{margin:1.5rem 0}
        :focus-visible{outline:3px solid #f5a524;outline-offset:2px}
        </style>
        </head>
        <body><main>
        \(content)
        </main></body>
        </html>
        """
    }

    static func errorLine(_ error: String?) -> String {
        error.map { #"<p class="error" role="alert">\#(escape($0))</p>"# } ?? ""
    }

    static func hidden(_ name: String, _ value: String) -> String {
        #"<input type="hidden" name="\#(escape(name))" value="\#(escape(value))">"#
    }

    static func login(email: String, returnTo: String, csrf: String, error: String?, providers: [(id: String, name: String)]) -> String {
        let federated = providers.isEmpty ? "" : "<hr>" + providers.map {
            #"<a class="button" href="/oauth2/federated/\#(escape($0.id))?return_to=\#(escape(FormURLEncoding.escape(returnTo)))">Sign in with \#(escape($0.name))</a>"#
        }.joined(separator: "\n")
        return layout(title: "Sign in", """
            <h1>Sign in to Hexabase</h1>
            \(errorLine(error))
            <form method="post" action="/oauth2/login">
            \(hidden("csrf", csrf))\(hidden("return_to", returnTo))
            <label for="email">E-mail</label>
            <input id="email" name="email" type="email" autocomplete="username" required value="\(escape(email))">
            <label for="password">Password</label>
            <input id="password" name="password" type="password" autocomplete="current-password" required>
            <button type="submit">Sign in</button>
            </form>
            <p><a href="/oauth2/password/reset">Forgot your password?</a></p>
            \(federated)
            """)
    }

    static func deviceEntry(csrf: String, error: String?) -> String {
        layout(title: "Connect a device", """
            <h1>Connect a device</h1>
            \(errorLine(error))
            <form method="get" action="/oauth2/device">
            <label for="user_code">Code shown on your device</label>
            <input id="user_code" name="user_code" autocomplete="off" autocapitalize="characters" required>
            <button type="submit">Continue</button>
            </form>
            """)
    }

    static func deviceConfirm(userCode: String, clientName: String, email: String, csrf: String) -> String {
        layout(title: "Allow access", """
            <h1>Allow access?</h1>
            <p><strong>\(escape(clientName))</strong> asks to act as <strong>\(escape(email))</strong>.</p>
            <p>Only continue if your device shows the code <strong>\(escape(userCode))</strong>.</p>
            <form method="post" action="/oauth2/device">
            \(hidden("csrf", csrf))\(hidden("user_code", userCode))
            <button type="submit" name="action" value="approve">Allow</button>
            <button type="submit" name="action" value="deny" class="secondary">Deny</button>
            </form>
            """)
    }

    static func message(title: String, _ text: String, status: String? = nil) -> String {
        layout(title: title, "<h1>\(escape(title))</h1>\n<p>\(escape(text))</p>")
    }

    static func resetPassword(token: String, csrf: String, error: String?) -> String {
        layout(title: "Choose a new password", """
            <h1>Choose a new password</h1>
            \(errorLine(error))
            <form method="post" action="/oauth2/password/reset">
            \(hidden("csrf", csrf))\(hidden("token", token))
            <label for="new_password">New password (at least 10 characters)</label>
            <input id="new_password" name="new_password" type="password" autocomplete="new-password" minlength="10" required>
            <button type="submit">Set password</button>
            </form>
            """)
    }

    static func requestReset(csrf: String, error: String?) -> String {
        layout(title: "Reset your password", """
            <h1>Reset your password</h1>
            \(errorLine(error))
            <form method="post" action="/oauth2/password/reset">
            \(hidden("csrf", csrf))
            <label for="email">E-mail</label>
            <input id="email" name="email" type="email" autocomplete="username" required>
            <button type="submit">Mail me a link</button>
            </form>
            """)
    }

    static func confirm(title: String, text: String, action: String, button: String, csrf: String, fields: [(String, String)] = []) -> String {
        layout(title: title, """
            <h1>\(escape(title))</h1>
            <p>\(escape(text))</p>
            <form method="post" action="\(escape(action))">
            \(hidden("csrf", csrf))\(fields.map { hidden($0.0, $0.1) }.joined())
            <button type="submit">\(escape(button))</button>
            </form>
            """)
    }
}
