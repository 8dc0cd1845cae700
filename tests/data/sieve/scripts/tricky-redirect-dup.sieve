redirect "same@example.org";
redirect "same@example.org";
redirect "SAME@example.org";
