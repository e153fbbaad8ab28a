"""`gankit lab`: a live page where a beginner plays the GAN game step by step, on gankit's own
training code (after GAN Lab, Kahng et al., IEEE VIS 2018).

    settings.py     the lab's settings (URL fields), each a key of gankit's tables or a range
    data.py         2-D data: the toy mixtures, GAN Lab's line and disjoint regions, the user's points
    point_links.py  the user's points in the page's URL
    session.py      the toy GAN trained by gankit.step (one D step, one G step, one iteration); save/load
    frames.py       what the page draws: D's surface, real and fake points, G's manifold and gradients
    slowmo.py       one iteration in slow motion: each sub-step with the line of step.py that does it
    live.py         the toy in the server: training chunks, frames to the pages, the message table
    runs.py         image runs, live: follow run folders, start `gankit train`
    server.py       the Starlette app: token, Origin, static files, uploads (bodies.py: size limits)
    serve.py        `gankit lab`: the token, the socket, uvicorn
    static/         the page (HTML, JS, CSS), nothing loaded from the internet
"""
