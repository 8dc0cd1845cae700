require ["copy"];
redirect :copy "a@example.org";
redirect :copy "b@example.org";
