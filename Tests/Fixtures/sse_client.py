"""A server-sent-events client for Tests/EdgeTests/LogRoutesTests.swift.

    python3 sse_client.py <url> <authorization> first-record|end

Opens the stream and parses its events (HTML Living Standard, "event stream interpretation"),
printing `record <id>` for each `record` event. With `first-record` it exits after the first one,
which closes the connection while the server still waits for more (a client going away); with
`end` it reads until the server ends the stream and then prints `end of stream`.
"""
import sys
import urllib.request


def main() -> int:
    url, authorization, until = sys.argv[1:4]
    request = urllib.request.Request(url, headers={"Authorization": authorization, "Accept": "text/event-stream"})
    with urllib.request.urlopen(request, timeout=60) as response:
        print("status", response.status, response.headers.get("Content-Type"), flush=True)
        event = {}
        for raw in response:
            line = raw.decode("utf-8").rstrip("\r\n")
            if line == "":
                if event.get("event") == "record":
                    print("record", event.get("id"), flush=True)
                    if until == "first-record":
                        return 0
                elif event.get("event") == "error":
                    print("error", event.get("data"), flush=True)
                event = {}
            elif not line.startswith(":"):
                name, _, value = line.partition(":")
                event[name] = value[1:] if value.startswith(" ") else value
    # Reading to the end of a chunked body raises IncompleteRead when it is cut off.
    print("end of stream", flush=True)
    return 0 if until == "end" else 1


if __name__ == "__main__":
    sys.exit(main())
