"""Email notifications (issue 15): people hear from Engage through their inbox, fed by the
same outbox as webhooks.

    kinds, reminders, digests   what is sent to whom, and what each template is told
    queue                       owing a message once per source and recipient
    delivery                    writing it once, sending it, retrying, refusals
    worker                      the outbox cursor and the loop (`flask notifications send`)
    messages, transport         Jinja2 templates into EmailMessage; SMTP or .eml files
    preferences                 immediate, daily digest or off; one-click unsubscribe
"""
